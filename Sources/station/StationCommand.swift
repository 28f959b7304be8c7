import ArgumentParser
import Foundation
import Logging
import Station
import Trace

@main
struct StationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "station",
        abstract: "Traceability station: prints serialized GS1 stamps, reads scanners, records EPCIS events.",
        subcommands: [Run.self, DevicesCommand.self, ProductCommand.self, BatchCommand.self, LabelCommand.self, PrintCommand.self, JobCommand.self, SerialsCommand.self, StampCommand.self, RollCommand.self, VerifyCommand.self, EventsCommand.self, SyncCommand.self, KeysCommand.self, ConfigCommand.self, UdevRulesCommand.self, DoctorCommand.self]
    )

    /// Runs the command; a full, read-only or failing disk, wherever it surfaces, is told in the
    /// operator's terms with its exit status (74) rather than as a raw SQLite error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if let storage = StoreError.classify(error) {
                FileHandle.standardError.write(Data("station: \(storage)\n".utf8))
                Foundation.exit(storage.exitStatus)
            }
            exit(withError: error)
        }
    }
}

/// Options every subcommand shares: where the configuration is and how to override it.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $STATION_CONFIG, ./Config/station.toml, /etc/station/station.toml).")
    var config: String?

    @Option(name: .long, help: "Data directory (database, labels, keys). Overrides data.dir.")
    var dataDir: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical. Overrides log.level.")
    var logLevel: String?

    @Option(name: .customLong("set"), help: ArgumentHelp("Override any configuration key.", valueName: "key=value"))
    var overrides: [String] = []

    /// Loads and validates the configuration; on error prints it and exits with status 78 (EX_CONFIG).
    func load() throws -> StationConfig {
        var sets = overrides
        if let dataDir { sets.insert("data.dir=\(dataDir)", at: 0) }
        if let logLevel { sets.insert("log.level=\(logLevel)", at: 0) }
        do {
            let c = try StationConfig.load(file: config ?? StationConfig.defaultFile(), overrides: sets)
            LoggingOnce.bootstrap(level: c.logLevel, format: c.logFormat)
            return c
        } catch let e as ConfigError {
            FileHandle.standardError.write(Data("station: configuration error: \(e)\n".utf8))
            throw ExitCode(78)
        }
    }
}

/// Installs the station's log handler the first time a command loads its configuration.
enum LoggingOnce {
    nonisolated(unsafe) private static var done = false
    private static let lock = NSLock()
    static func bootstrap(level: String, format: String) {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return }
        done = true
        StationLogHandler.bootstrap(level: level, format: format)
    }
}
