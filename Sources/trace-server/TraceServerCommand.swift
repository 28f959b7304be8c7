import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TraceServer

@main
struct TraceServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace-server",
        abstract: "The provincial traceability server that stations sync their EPCIS events to.",
        discussion: """
            Every option can also be set with an environment variable TRACE_SERVER_<OPTION> \
            (e.g. TRACE_SERVER_DATA_DIR, TRACE_SERVER_POSTGRES_URL); a flag wins over the variable.
            """,
        subcommands: [Serve.self, StationCommand.self, AdminCommand.self],
        defaultSubcommand: Serve.self)
}

/// Options shared by every subcommand: where the data is.
struct StorageOptions: ParsableArguments {
    @Option(help: "Data directory (SQLite database, server.port). Default ./var-server.") var dataDir: String?
    @Option(help: "sqlite (default) or postgres.") var storage: String?
    @Option(help: "PostgreSQL URL: postgres://user:password@host:5432/database[?sslmode=disable|prefer|require].") var postgresURL: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?

    var flags: [String: String] {
        var f: [String: String] = [:]
        f["data-dir"] = dataDir
        f["storage"] = storage
        f["postgres-url"] = postgresURL
        f["log-level"] = logLevel
        return f
    }

    func resolve(extra: [String: String] = [:]) throws -> ServerConfiguration {
        do { return try ServerConfiguration.resolve(flags: flags.merging(extra) { $1 }) } catch {
            FileHandle.standardError.write(Data("trace-server: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}

func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var h = StreamLogHandler.standardError(label: label)
        h.logLevel = level
        return h
    }
    return Logger(label: "trace-server")
}

/// Runs a one-shot command, printing a failure as one line (exit status 1).
func reporting<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let e as ExitCode { throw e } catch {
        FileHandle.standardError.write(Data("trace-server: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the server until SIGTERM or SIGINT (the default command).")

    @OptionGroup var storageOptions: StorageOptions
    @Option(help: "Address to bind. Default 127.0.0.1.") var host: String?
    @Option(help: "Port; 0 = any free port, written to <data-dir>/server.port. Default 8090.") var port: Int?
    @Option(help: "PEM certificate chain for HTTPS (with --tls-key). Without it the server speaks HTTP; terminate TLS at a reverse proxy.") var tlsCert: String?
    @Option(help: "PEM private key for HTTPS.") var tlsKey: String?
    @Option(help: "Largest accepted request body, e.g. 8m. Default 8m.") var maxBodySize: String?
    @Option(help: "The province's stamp key ring (mode 0600), from `station keys export`; needed to prove stamps genuine.") var keyring: String?
    @Option(help: .hidden) var faultPlan: String?

    func run() async throws {
        var extra: [String: String] = [:]
        extra["host"] = host
        extra["port"] = port.map(String.init)
        extra["tls-cert"] = tlsCert
        extra["tls-key"] = tlsKey
        extra["max-body-size"] = maxBodySize
        extra["keyring"] = keyring
        extra["fault-plan"] = faultPlan
        let config = try storageOptions.resolve(extra: extra)
        let logger = bootstrapLogging(config.logLevel)
        let app: any Service
        do {
            app = try TraceServerApp.make(configuration: config, logger: logger)
        } catch {
            logger.critical("cannot start: \(error)")
            throw ExitCode(1)
        }
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("stopped with an error: \(error)")
            throw ExitCode(1)
        }
        logger.info("trace-server stopped cleanly")
    }
}

struct StationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "station", abstract: "Stations allowed to send events.",
                                                    subcommands: [Add.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a station and print its token (shown once; only its SHA-256 is kept).")
        @OptionGroup var storageOptions: StorageOptions
        @Option(help: "Station id, as in the station's station.id (e.g. BK-NARI-01).") var id: String
        @Option(help: "Human name.") var name: String
        @Option(help: "GLN of the station's site (13 digits).") var gln: String

        func run() async throws {
            let config = try storageOptions.resolve()
            let logger = bootstrapLogging(config.logLevel)
            let (id, name, gln) = (id, name, gln)
            let token = try await reporting {
                try await TraceServerApp.withStorage(config, logger: logger) { storage in
                    try await TraceServerCore(storage: storage, keyRing: nil, logger: logger).registerStation(id: id, name: name, gln: gln)
                }
            }
            // Unbuffered, so the token is out before the note on standard error.
            FileHandle.standardOutput.write(Data((token + "\n").utf8))
            FileHandle.standardError.write(Data("""
                station \(id) registered. The line above is its token, shown only now: put it in the station's \
                server.token_file (chmod 600).\n
                """.utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered stations.")
        @OptionGroup var storageOptions: StorageOptions
        @Flag(help: "JSON output.") var json = false

        func run() async throws {
            let config = try storageOptions.resolve()
            let logger = bootstrapLogging(config.logLevel)
            let stations = try await reporting { try await TraceServerApp.withStorage(config, logger: logger) { try await $0.stations() } }
            if json {
                let enc = JSONEncoder()
                enc.outputFormatting = [.prettyPrinted, .sortedKeys]
                enc.dateEncodingStrategy = .iso8601
                print(String(decoding: try enc.encode(stations), as: UTF8.self))
                return
            }
            if stations.isEmpty { print("no stations; add one with `trace-server station add --id ... --name ... --gln ...`") }
            for s in stations {
                print("\(s.id)  \(s.name)  GLN \(s.gln)  registered \(ISO8601DateFormatter().string(from: s.registeredAt))  events held through #\(s.contiguousSequence)")
            }
        }
    }
}

struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "admin", abstract: "Administrators (product registry, export for the national portal).",
                                                    subcommands: [Add.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an administrator token (shown once; only its SHA-256 is kept).")
        @OptionGroup var storageOptions: StorageOptions
        @Option(help: "Who holds the token (e.g. so-khcn-backan).") var name: String

        func run() async throws {
            let config = try storageOptions.resolve()
            let logger = bootstrapLogging(config.logLevel)
            let name = name
            let token = try await reporting {
                try await TraceServerApp.withStorage(config, logger: logger) { storage in
                    try await TraceServerCore(storage: storage, keyRing: nil, logger: logger).registerAdmin(name: name)
                }
            }
            FileHandle.standardOutput.write(Data((token + "\n").utf8))
            FileHandle.standardError.write(Data("administrator \(name) created. The line above is the token, shown only now.\n".utf8))
        }
    }
}
