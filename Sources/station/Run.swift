import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Devices
import Station
import StationWeb
import Sync
import Trace

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the station daemon: printers, scanners, the local web UI/API, sync to the trace-server; stops cleanly on SIGINT/SIGTERM.")

    @OptionGroup var options: GlobalOptions

    @Option(help: "Local web/API port. Overrides web.port.")
    var port: Int?

    func run() async throws {
        var opts = options
        if let port { opts.overrides.append("web.port=\(port)") }
        let config = try opts.load()
        let logger = Logger(label: "station")
        let core: StationCore
        do {
            core = try StationCore(config: config, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(StoreError.classify(error)?.exitStatus ?? 1)
        }
        logger.info("station starting", metadata: [
            "station": "\(config.stationID)", "data": "\(config.dataDirectory.path)",
            "config": "\(options.config ?? StationConfig.defaultFile() ?? "built-in defaults")",
            "printers": "\(config.printers.map { "\($0.name)(\($0.driver.rawValue))" }.joined(separator: ","))",
        ])
        if let problem = EventClockGuard.problem(newestEvent: try? core.trace.ledger.events.newestEventTime()) {
            logger.warning("the clock is implausible: \(problem); fix the time (`timedatectl set-ntp true`), events meanwhile keep their order")
        }
        do {
            let interrupted = try PrintJobs(trace: core.trace).recover()
            if !interrupted.isEmpty { logger.warning("print jobs interrupted by the last stop are paused for the operator", metadata: ["jobs": "\(interrupted)"]) }
        } catch {
            logger.critical("cannot check interrupted print jobs: \(StoreError.classify(error).map { "\($0)" } ?? "\(error)")")
            throw ExitCode(StoreError.classify(error)?.exitStatus ?? 1)
        }
        var services: [any Service] = [try StationWebServer.make(core: core, logger: Logger(label: "station.web")),
                                       HeldScanService(core: core, logger: Logger(label: "station.scanner"))]
        // Events reach the province's trace-server in the background whenever it can be reached.
        if let sync = try SyncSetup.service(config: config, trace: core.trace) {
            services.append(sync)
        } else {
            logger.notice("no server.url is configured: events stay on this station until it is set (`station sync status` shows the backlog)")
        }
        let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
        // A scanner mounted after a print head belongs to print-and-verify, not to scan handling.
        for s in config.scanners where !config.printers.contains(where: { $0.verifier == s.name }) {
            if s.source == .stdin {
                services.append(StdinScannerService(core: core, name: s.name, logger: Logger(label: "station.scanner")))
            } else {
                services.append(DeviceScannerService(core: core, scanner: s, profiles: profiles, logger: Logger(label: "station.scanner")))
            }
        }
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: Logger(label: "station.services")))
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error: \(error)")
            throw ExitCode(1)
        }
        logger.info("station stopped cleanly", metadata: ["integrity": "\((try? core.store.integrityCheck()) ?? "unknown")"])
    }
}
