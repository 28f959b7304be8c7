import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import ServiceLifecycle
import Trace

/// The provincial trace-server: where stations send their events and where stamps are verified.
public enum TraceServerApp {
    /// Opens the store `configuration` names, without starting anything.
    public static func storage(_ configuration: ServerConfiguration, logger: Logger) throws -> any TraceStorage {
        switch configuration.storage {
        case .sqlite: return try SQLiteTraceStorage(dataDirectory: configuration.dataDirectory)
        case .postgres: return try PostgresTraceStorage(url: configuration.postgresURL ?? "", logger: logger)
        }
    }

    /// Runs `body` with the configured store migrated and its background services running, for
    /// one-shot commands such as `trace-server station add`.
    public static func withStorage<T: Sendable>(_ configuration: ServerConfiguration, logger: Logger,
                                                _ body: @Sendable (any TraceStorage) async throws -> T) async throws -> T {
        switch configuration.storage {
        case .sqlite:
            let s = try SQLiteTraceStorage(dataDirectory: configuration.dataDirectory)
            try await s.migrate()
            return try await body(s)
        case .postgres:
            return try await PostgresTraceStorage.with(url: configuration.postgresURL ?? "", logger: logger) { s in
                try await s.migrate()
                return try await body(s)
            }
        }
    }

    /// Reads the key ring; `StampKeyRing.read` refuses a file other users could read.
    public static func keyRing(_ configuration: ServerConfiguration) throws -> StampKeyRing? {
        guard let path = configuration.keyRing else { return nil }
        do { return try StampKeyRing.read(from: URL(fileURLWithPath: path)) } catch {
            throw TraceServerError.keyRingUnavailable(path: path, reason: "\(error)")
        }
    }

    /// Builds the whole server as one service: HTTP, the store's connection pool and the lookup
    /// counter. It migrates the store before it accepts connections, writes the bound port to
    /// `<dataDirectory>/server.port`, and stops gracefully with its service group.
    public static func make(configuration: ServerConfiguration, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> Application<RouterResponder<BasicRequestContext>> {
        let storage = try storage(configuration, logger: logger)
        let core = TraceServerCore(storage: storage, keyRing: try keyRing(configuration), logger: logger)
        return try make(core: core, configuration: configuration, logger: logger, onRunning: onRunning)
    }

    /// Builds the server around an existing core (tests use this to share the store).
    public static func make(core: TraceServerCore, configuration: ServerConfiguration, logger: Logger,
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> Application<RouterResponder<BasicRequestContext>> {
        try FileManager.default.createDirectory(at: configuration.dataDirectory, withIntermediateDirectories: true)
        let plan = try configuration.faultPlan.map(FaultPlan.load)
        if plan != nil { logger.warning("fault plan active: this server injects failures and is for tests only") }
        let router = Routes.build(core: core, maxBodySize: configuration.maxBodySize, faultPlan: plan)
        let portFile = configuration.dataDirectory.appendingPathComponent("server.port")
        let scheme = configuration.tlsCertificate == nil ? "http" : "https"
        let server: HTTPServerBuilder
        if let cert = configuration.tlsCertificate, let key = configuration.tlsKey {
            do {
                let certificates = try NIOSSLCertificate.fromPEMFile(cert)
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                let tls = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) },
                                                                   privateKey: .privateKey(privateKey))
                server = try .tls(.http1(), tlsConfiguration: tls)
            } catch {
                throw TraceServerError.tlsUnavailable("\(error)")
            }
        } else {
            server = .http1()
        }
        let host = configuration.host, requestedPort = configuration.port
        var app = Application(
            router: router,
            server: server,
            configuration: .init(address: .hostname(host, port: requestedPort), serverName: "trace-server"),
            services: core.services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? requestedPort
                do { try Data("\(port)\n".utf8).write(to: portFile, options: .atomic) } catch {
                    logger.error("cannot write the port file", metadata: ["file": "\(portFile.path)", "error": "\(error)"])
                }
                logger.info("trace-server listening", metadata: ["url": "\(scheme)://\(host):\(port)/", "storage": "\(configuration.storage.rawValue)"])
                await onRunning(port)
            },
            logger: logger)
        app.beforeServerStarts {
            try await core.storage.migrate()
        }
        return app
    }
}
