import ArgumentParser
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Station
import Sync
import Trace

/// `station sync …`: the outbox to the provincial trace-server.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync", abstract: "Send recorded events to the provincial trace-server (server.url, server.token_file).",
        subcommands: [Status.self, Now.self, RunSync.self])

    /// Options that tune sync; the defaults suit a station on a slow rural link.
    struct Tuning: ParsableArguments {
        @Option(help: "Events per request (default: server.batch_size).") var batchSize: Int?
        @Option(help: "Seconds to wait for the server's answer to one request (default: server.timeout).") var timeout: Int?
        @Option(help: "Longest wait between retries, in seconds (default: server.max_backoff).") var maxBackoff: Double?
        @Option(help: "First wait after a failure, in seconds (doubled per failure).") var initialBackoff: Double = 1

        func validate() throws {
            if let batchSize, !(1...10_000).contains(batchSize) { throw ValidationError("--batch-size must be from 1 to 10000") }
            if let timeout, timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
            guard initialBackoff > 0, (maxBackoff ?? .infinity) >= initialBackoff else { throw ValidationError("--max-backoff must be at least --initial-backoff (> 0)") }
        }

        func apply(to c: inout SyncConfiguration) {
            if let batchSize { c.batchSize = batchSize }
            if let timeout { c.requestTimeout = .seconds(Int64(timeout)) }
            if let maxBackoff { c.maxBackoff = maxBackoff }
            c.initialBackoff = initialBackoff
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Backlog (events not yet confirmed by the server), last success, last error, server URL.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let config = try options.load()
            let trace = try openTrace(options)
            let status = try reporting { try SyncSetup.outbox(trace).status() }
            if json {
                struct Out: Encodable { var server: String; var status: SyncStatus }
                return try printJSON(Out(server: config.serverURL, status: status))
            }
            print("""
                server:        \(config.serverURL.isEmpty ? "(none: server.url is empty, the station works offline)" : config.serverURL)
                backlog:       \(status.backlog) event(s) not yet confirmed by the server
                confirmed:     through event #\(status.cursor) of #\(status.lastSequence)
                last success:  \(status.lastSuccess ?? "never")
                last attempt:  \(status.lastAttempt ?? "never")
                last error:    \(status.lastError ?? "none")
                """)
        }
    }

    struct Now: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send the backlog once. Exit status 0 when it is empty afterwards, 1 otherwise.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var tuning: Tuning

        func run() async throws {
            let config = try options.load()
            LoggingOnce.bootstrap(level: config.logLevel, format: config.logFormat)
            let trace = try openTrace(options)
            let engine = try reporting { try SyncSetup.engine(config: config, trace: trace, tuning: tuning) }
            let pass = await engine.pass()
            if let e = pass.error { FileHandle.standardError.write(Data("station: \(e)\n".utf8)) }
            print("confirmed \(pass.confirmed) event(s); backlog \(pass.backlog)")
            if pass.backlog != 0 { throw ExitCode(1) }
        }
    }

    struct RunSync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "run", abstract: "Keep syncing in the foreground (retrying with backoff) until SIGINT or SIGTERM.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var tuning: Tuning
        @Option(help: "Seconds between looks at an empty outbox.") var idle: Double = 2

        func run() async throws {
            let config = try options.load()
            LoggingOnce.bootstrap(level: config.logLevel, format: config.logFormat)
            let logger = Logger(label: "station.sync")
            let trace = try openTrace(options)
            let engine = try reporting { try SyncSetup.engine(config: config, trace: trace, tuning: tuning, idle: max(0.05, idle), logger: logger) }
            let group = ServiceGroup(configuration: .init(services: [.init(service: SyncService(engine: engine, logger: logger))],
                                                          gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        }
    }
}

/// Builds the sync parts from a station's configuration; the daemon uses the same helper to add a
/// ``SyncService`` to its service group when `server.url` is set.
enum SyncSetup {
    static func outbox(_ trace: TraceServices) -> SyncOutbox {
        SyncOutbox(store: trace.store, events: trace.ledger.events)
    }

    static func engine(config: StationConfig, trace: TraceServices, tuning: SyncCommand.Tuning? = nil, idle: Double? = nil,
                       logger: Logger = Logger(label: "station.sync")) throws -> SyncEngine {
        var c = SyncConfiguration(serverURL: config.serverURL, tokenFile: config.serverTokenFile)
        c.batchSize = config.serverBatchSize
        c.requestTimeout = .milliseconds(Int64(config.serverTimeout * 1000))
        c.maxBackoff = max(c.initialBackoff, config.serverMaxBackoff)
        tuning?.apply(to: &c)
        if let idle { c.idleInterval = idle }
        return try SyncEngine(outbox: outbox(trace), configuration: c, http: try ServerHTTP.client(caFile: config.serverCAFile), logger: logger)
    }

    /// The background sync service for the daemon, or nil when the station works offline.
    static func service(config: StationConfig, trace: TraceServices) throws -> SyncService? {
        guard !config.serverURL.isEmpty else { return nil }
        return SyncService(engine: try engine(config: config, trace: trace), logger: Logger(label: "station.sync"))
    }
}
