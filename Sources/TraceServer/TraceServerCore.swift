import Crypto
import Foundation
import GS1
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle
import Trace

/// The server's behaviour without HTTP: authentication, capture, query, verification, serial
/// blocks. The routes translate requests into calls on it, so tests can drive it directly too.
public final class TraceServerCore: Sendable {
    /// The durable store.
    public let storage: any TraceStorage
    /// Verifies stamp tags; `nil` when the server was started without `--keyring`.
    public let tagger: StampTagger?
    /// Where capture and verification decisions are logged.
    public let logger: Logger
    let lookups: LookupCounter
    /// Lookups of one stamp above this make it suspicious: a copied stamp is checked far more
    /// often than a real one.
    public let suspiciousLookups: Int

    /// A core over `storage`; without `keyRing` no stamp can be verified as genuine.
    public init(storage: any TraceStorage, keyRing: StampKeyRing?, logger: Logger, suspiciousLookups: Int = 50) {
        self.storage = storage
        self.tagger = keyRing.map(StampTagger.init(ring:))
        self.logger = logger
        self.lookups = LookupCounter(storage: storage, logger: logger)
        self.suspiciousLookups = suspiciousLookups
    }

    /// Background work: the storage's own services and the lookup counter's flusher.
    public var services: [any Service] { storage.services + [lookups] }

    // MARK: tokens

    /// A fresh random bearer token (256 bits, base64url).
    public static func newToken() -> String {
        var g = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &g) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// What the server keeps of a token: its SHA-256, hex.
    public static func tokenHash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Registers a station and returns its token, which is shown once and never stored.
    public func registerStation(id: String, name: String, gln: String) async throws -> String {
        let id = id.trimmingCharacters(in: .whitespaces)
        guard !id.isEmpty, id.count <= 64, id.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 32 && $0 != "\"" }) else {
            throw TraceServerError.invalidStation(field: "id", reason: "use 1–64 printable ASCII characters without spaces, e.g. BK-NARI-01")
        }
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TraceServerError.invalidStation(field: "name", reason: "a human name is required")
        }
        do { _ = try GLN(gln) } catch {
            throw TraceServerError.invalidStation(field: "gln", reason: "\(error)")
        }
        let token = Self.newToken()
        try await storage.addStation(StationRecord(id: id, name: name, gln: gln, registeredAt: Date()), tokenHash: Self.tokenHash(token))
        return token
    }

    /// Registers an administrator (product registry, export) and returns the token, shown once.
    public func registerAdmin(name: String) async throws -> String {
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw TraceServerError.invalidConfiguration(key: "name", value: name, expected: "a non-empty administrator name")
        }
        let token = Self.newToken()
        try await storage.addAdmin(name: name, tokenHash: Self.tokenHash(token))
        return token
    }

    /// The principal behind an `Authorization: Bearer …` header value, or nil.
    public func authenticate(authorization: String?) async throws -> Principal? {
        guard let a = authorization, a.count > 7, a.prefix(7).lowercased() == "bearer " else { return nil }
        let token = a.dropFirst(7).trimmingCharacters(in: .whitespaces)
        guard !token.isEmpty else { return nil }
        return try await storage.principal(tokenHash: Self.tokenHash(token))
    }
}

/// Counts public lookups of each stamp in memory and adds them to the store about once a second,
/// so the verify endpoint never waits for a disk write. A crash loses at most the last second of
/// counts, which only feed the "checked suspiciously often" warning.
final class LookupCounter: Service, Sendable {
    let storage: any TraceStorage
    let logger: Logger
    private let pending = NIOLockedValueBox([String: Int]())

    init(storage: any TraceStorage, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    /// Records one lookup and returns how many are not yet flushed (including this one).
    func record(_ epc: String) -> Int {
        pending.withLockedValue { p in
            let n = (p[epc] ?? 0) + 1
            p[epc] = n
            return n
        }
    }

    func unflushed(_ epc: String) -> Int { pending.withLockedValue { $0[epc] ?? 0 } }

    func flush() async {
        let batch = pending.withLockedValue { p -> [String: Int] in
            let b = p
            p.removeAll(keepingCapacity: true)
            return b
        }
        guard !batch.isEmpty else { return }
        do {
            try await storage.addLookups(batch)
        } catch {
            logger.warning("could not store lookup counts; will retry", metadata: ["error": "\(error)"])
            pending.withLockedValue { p in for (k, v) in batch { p[k, default: 0] += v } }
        }
    }

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            await flush()
        }
        await flush()
    }
}
