import Foundation

/// A problem the trace-server reports to whoever runs it, phrased so they know what to do next.
public enum TraceServerError: Error, Equatable, CustomStringConvertible {
    /// A configuration value that cannot be used.
    case invalidConfiguration(key: String, value: String, expected: String)
    /// The PostgreSQL URL is not of the form `postgres://user:password@host:port/database`.
    case invalidPostgresURL(String, reason: String)
    /// The database could not be opened, migrated or reached.
    case storageUnavailable(String)
    /// A station id is already registered.
    case stationExists(String)
    /// A station registration is missing a field or has a malformed one.
    case invalidStation(field: String, reason: String)
    /// An administrator name is already registered.
    case adminExists(String)
    /// The TLS certificate or key cannot be loaded.
    case tlsUnavailable(String)
    /// The key ring file cannot be used.
    case keyRingUnavailable(path: String, reason: String)
    /// The fault plan (a test-only file) is malformed.
    case invalidFaultPlan(path: String, reason: String)
    /// A serial block request cannot be satisfied.
    case serialSpaceExhausted(gtin: String, format: String, remaining: UInt64)

    public var description: String {
        switch self {
        case .invalidConfiguration(let k, let v, let e):
            return "configuration \(k) = \"\(v)\" cannot be used: expected \(e)"
        case .invalidPostgresURL(let u, let r):
            return "PostgreSQL URL \"\(Self.redacted(u))\" is not usable (\(r)); write it as postgres://user:password@host:5432/database"
        case .storageUnavailable(let r):
            return "the event store is unavailable: \(r); check that the database is running and reachable, then restart"
        case .stationExists(let id):
            return "station \(id) is already registered; pick another id or keep its current token"
        case .invalidStation(let f, let r):
            return "station \(f) is invalid: \(r)"
        case .adminExists(let n):
            return "administrator \(n) already exists; pick another name"
        case .tlsUnavailable(let r):
            return "TLS cannot be set up: \(r); check --tls-cert and --tls-key (PEM files) or terminate TLS at a reverse proxy"
        case .keyRingUnavailable(let p, let r):
            return "the stamp key ring \(p) cannot be used: \(r); export it from a station with `station keys export --out FILE` and `chmod 600` it"
        case .invalidFaultPlan(let p, let r):
            return "fault plan \(p) is invalid: \(r)"
        case .serialSpaceExhausted(let g, let f, let r):
            return "only \(r) \(f) serial counters are left for \(g); ask for fewer or use another serial format"
        }
    }

    /// The URL with its password replaced, safe for logs and error messages.
    static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }
}
