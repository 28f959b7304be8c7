import Foundation
import Logging

/// Everything the trace-server needs to start, resolved from flags and `TRACE_SERVER_*` variables.
///
/// Precedence is built-in default < environment < flag, so a systemd unit can carry the site's
/// settings in an environment file while an operator still overrides one value on the command line.
public struct ServerConfiguration: Sendable, Equatable {
    /// Which database holds the events.
    public enum Storage: String, Sendable, Equatable, CaseIterable {
        /// One SQLite file in the data directory: a single-machine province server.
        case sqlite
        /// A PostgreSQL server: events partitioned by month, several server processes possible.
        case postgres
    }

    /// Address to bind; loopback by default so that a fresh install is not exposed.
    public var host = "127.0.0.1"
    /// 0 asks the kernel for a free port; the bound port is written to `<dataDirectory>/server.port`.
    public var port = 8090
    /// SQLite database and `server.port`.
    public var dataDirectory = URL(fileURLWithPath: "./var-server", isDirectory: true)
    /// Which store to use.
    public var storage = Storage.sqlite
    /// `postgres://user:password@host:port/database[?sslmode=disable|prefer|require]`.
    public var postgresURL: String?
    /// PEM certificate chain and key; both or neither. Without them the server speaks plain HTTP
    /// and TLS is expected to terminate at a reverse proxy in front of it.
    public var tlsCertificate: String?
    /// PEM private key matching ``tlsCertificate``.
    public var tlsKey: String?
    /// Largest request body accepted; larger ones get 413 before they are read into memory.
    public var maxBodySize = 8 * 1024 * 1024
    /// The province's stamp key ring (mode 0600); without it stamps cannot be proven genuine.
    public var keyRing: String?
    /// Minimum level written to standard error.
    public var logLevel = Logger.Level.info
    /// Test-only: a JSON file describing injected faults (see ``FaultPlan``). Never set in production.
    public var faultPlan: String?

    /// The built-in defaults.
    public init() {}

    /// The environment variable for a setting: `data-dir` → `TRACE_SERVER_DATA_DIR`.
    public static func environmentName(_ key: String) -> String {
        "TRACE_SERVER_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// Every setting name, as flags spell them.
    public static let keys = ["host", "port", "data-dir", "storage", "postgres-url", "tls-cert", "tls-key",
                              "max-body-size", "keyring", "log-level", "fault-plan"]

    /// Resolves the configuration: `flags` holds only the flags given on the command line.
    public static func resolve(flags: [String: String], environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var c = ServerConfiguration()
        func value(_ key: String) -> String? {
            if let f = flags[key] { return f }
            if let e = environment[environmentName(key)], !e.isEmpty { return e }
            return nil
        }
        if let v = value("host") { c.host = v }
        if let v = value("port") {
            guard let p = Int(v), (0...65535).contains(p) else {
                throw TraceServerError.invalidConfiguration(key: "port", value: v, expected: "an integer from 0 to 65535")
            }
            c.port = p
        }
        if let v = value("data-dir") { c.dataDirectory = URL(fileURLWithPath: v, isDirectory: true) }
        if let v = value("storage") {
            guard let s = Storage(rawValue: v) else {
                throw TraceServerError.invalidConfiguration(key: "storage", value: v, expected: "sqlite or postgres")
            }
            c.storage = s
        }
        c.postgresURL = value("postgres-url")
        if c.storage == .postgres {
            guard let url = c.postgresURL else {
                throw TraceServerError.invalidConfiguration(key: "postgres-url", value: "", expected: "a postgres:// URL when storage is postgres")
            }
            _ = try PostgresURL(url)
        }
        c.tlsCertificate = value("tls-cert")
        c.tlsKey = value("tls-key")
        if (c.tlsCertificate == nil) != (c.tlsKey == nil) {
            throw TraceServerError.invalidConfiguration(key: c.tlsCertificate == nil ? "tls-cert" : "tls-key", value: "",
                                                        expected: "both --tls-cert and --tls-key, or neither")
        }
        if let v = value("max-body-size") {
            guard let n = Self.byteCount(v), n >= 1024 else {
                throw TraceServerError.invalidConfiguration(key: "max-body-size", value: v, expected: "a size of at least 1024 bytes, like 8388608, 512k or 8m")
            }
            c.maxBodySize = n
        }
        c.keyRing = value("keyring")
        if let v = value("log-level") {
            guard let l = Logger.Level(rawValue: v) else {
                throw TraceServerError.invalidConfiguration(key: "log-level", value: v,
                                                            expected: Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))
            }
            c.logLevel = l
        }
        c.faultPlan = value("fault-plan")
        return c
    }

    /// `8388608`, `512k`, `8m` → bytes.
    static func byteCount(_ text: String) -> Int? {
        let t = text.lowercased().trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("k", 1024), ("m", 1024 * 1024), ("g", 1024 * 1024 * 1024)]
        for (suffix, factor) in units where t.hasSuffix(suffix) {
            return Int(t.dropLast()).map { $0 * factor }
        }
        return Int(t)
    }
}

/// A parsed `postgres://` URL.
public struct PostgresURL: Sendable, Equatable {
    /// `sslmode` of the URL: `prefer` (default) uses TLS when the server offers it.
    public enum TLSMode: String, Sendable { case disable, prefer, require }
    public var host: String
    public var port: Int
    public var username: String
    /// Percent-decoded; never logged (see ``TraceServerError``).
    public var password: String?
    public var database: String
    public var tls: TLSMode

    /// Parses `postgres://user:password@host:port/database?sslmode=…`; throws ``TraceServerError/invalidPostgresURL(_:reason:)``.
    public init(_ text: String) throws {
        guard let c = URLComponents(string: text), let scheme = c.scheme, ["postgres", "postgresql"].contains(scheme) else {
            throw TraceServerError.invalidPostgresURL(text, reason: "the scheme must be postgres://")
        }
        guard let host = c.host, !host.isEmpty else { throw TraceServerError.invalidPostgresURL(text, reason: "no host") }
        guard let user = c.user, !user.isEmpty else { throw TraceServerError.invalidPostgresURL(text, reason: "no user name") }
        let db = String(c.path.drop(while: { $0 == "/" }))
        guard !db.isEmpty else { throw TraceServerError.invalidPostgresURL(text, reason: "no database name") }
        self.host = host
        self.port = c.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = c.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = db.removingPercentEncoding ?? db
        let mode = c.queryItems?.first(where: { $0.name == "sslmode" })?.value ?? "prefer"
        guard let m = TLSMode(rawValue: mode) else {
            throw TraceServerError.invalidPostgresURL(text, reason: "sslmode must be disable, prefer or require")
        }
        self.tls = m
    }
}
