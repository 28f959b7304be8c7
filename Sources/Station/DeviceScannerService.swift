import Devices
import Foundation
import Logging
import ServiceLifecycle

/// A USB HID, HID POS or serial scanner as a service: its scans go through the same handling as
/// stdin scans; connection changes (unplugged, back, permission denied) are told to the operator.
public struct DeviceScannerService: Service {
    let core: StationCore
    let scanner: StationConfig.Scanner
    let profiles: DeviceProfileRegistry
    let logger: Logger

    public init(core: StationCore, scanner: StationConfig.Scanner, profiles: DeviceProfileRegistry, logger: Logger) {
        self.core = core
        self.scanner = scanner
        self.profiles = profiles
        self.logger = logger
    }

    public func run() async throws {
        let kind: ScannerSourceKind
        switch scanner.source {
        case .hid: kind = .hid
        case .hidpos: kind = .hidpos
        case .serial: kind = .serial
        case .stdin: kind = .stdin
        }
        let profile = scanner.profile.isEmpty ? nil : profiles.profile(id: scanner.profile)
        let reader = try ScannerSource.open(name: scanner.name, source: kind, address: scanner.address, profile: profile,
                                            debounce: .milliseconds(Int(scanner.debounce * 1000)))
        let (core, name, logger) = (core, scanner.name, logger)
        await withGracefulShutdownHandler {
            for await event in reader.events {
                switch event {
                case .scan(let input):
                    do { try core.recordScan(input.bytes, scanner: name) } catch { logger.error("scan could not be recorded: \(error)") }
                case .duplicate(let input):
                    logger.debug("repeated read ignored", metadata: ["scanner": "\(name)", "text": "\(input.displayText)"])
                case .rejected(let r):
                    logger.warning("scan rejected: \(r.reason)", metadata: ["scanner": "\(name)", "vi": "\(r.reason.vietnamese)"])
                    do { try core.recordRejectedScan(r) } catch { logger.error("rejected scan could not be logged: \(error)") }
                case .status(let st):
                    logger.notice("scanner \(st.state)", metadata: ["scanner": "\(name)", "vi": "\(st.state.vietnamese)"])
                    core.scanners.update(.init(name: name, state: st.state.key, message: st.state.vietnamese, detail: st.state.description,
                                               since: ISO8601DateFormatter().string(from: Date())))
                }
            }
        } onGracefulShutdown: {
            reader.stop()
        }
    }
}
