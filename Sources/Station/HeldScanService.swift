import Logging
import ServiceLifecycle

/// Records the scans the station holds while its store refuses writes (a full or read-only disk)
/// as soon as the store takes them again, without waiting for the next scan; at shutdown, logs in
/// full whatever is still held so that it can be scanned again.
public struct HeldScanService: Service {
    let core: StationCore
    let interval: Duration
    let logger: Logger

    public init(core: StationCore, interval: Duration = .seconds(2), logger: Logger) {
        self.core = core
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if core.heldScanCount > 0 {
                let before = core.heldScanCount
                let left = core.retryHeldScans()
                if left < before { logger.notice("held scans recorded", metadata: ["recorded": "\(before - left)", "still-held": "\(left)"]) }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
        core.logHeldScansAtShutdown()
    }
}
