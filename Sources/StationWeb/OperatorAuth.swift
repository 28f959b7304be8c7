import Crypto
import Foundation
import Hummingbird
import Logging
import Station

/// Errors while preparing the operator's credentials.
public enum OperatorAuthError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case tooOpen(path: String)
    case malformed(path: String)

    public var description: String {
        switch self {
        case .unreadable(let p, let r): return "cannot read or write \(p): \(r)"
        case .tooOpen(let p): return "\(p) can be read by other users: run `chmod 600 \(p)` (it holds an operator credential)"
        case .malformed(let p): return "\(p) does not hold a credential the station wrote (delete it to get a new one)"
        }
    }
}

/// Who may use the local API: an operator who typed the PIN (and holds the session cookie it
/// bought), or a program holding the token from `<data dir>/web.token`.
///
/// The PIN and the token are kept only as SHA-256 digests and compared in constant time. Five
/// wrong PINs in a row lock the login for 30 seconds, so a 4-digit PIN cannot be walked through.
public final class OperatorAuth: @unchecked Sendable {
    public static let cookieName = "station_session"
    /// How long a session lasts without being used.
    public let sessionLifetime: TimeInterval
    let pinDigest: [UInt8]
    let tokenDigest: [UInt8]
    private let lock = NSLock()
    private var sessions: [String: Date] = [:]
    private var failures = 0
    private var lockedUntil = Date.distantPast

    /// Where the generated PIN and the token live.
    public static func pinFile(_ config: StationConfig) -> URL { config.dataDirectory.appendingPathComponent("web.pin") }
    public static func tokenFile(_ config: StationConfig) -> URL { config.dataDirectory.appendingPathComponent("web.token") }

    init(pinDigest: [UInt8], tokenDigest: [UInt8], sessionLifetime: TimeInterval = 12 * 3600) {
        self.pinDigest = pinDigest
        self.tokenDigest = tokenDigest
        self.sessionLifetime = sessionLifetime
    }

    /// The credentials of a station: the configured PIN (`web.pin`, digits or `sha256:HEX`) or,
    /// when it is empty, a PIN generated once into `<data>/web.pin`; the token in `<data>/web.token`
    /// (generated once). Both files are mode 0600, and a file other users can read is refused.
    public static func prepare(config: StationConfig, logger: Logger) throws -> OperatorAuth {
        try FileManager.default.createDirectory(at: config.dataDirectory, withIntermediateDirectories: true)
        let pin: [UInt8]
        if config.webPIN.hasPrefix("sha256:") {
            pin = hexBytes(String(config.webPIN.dropFirst(7)))
        } else if !config.webPIN.isEmpty {
            pin = digest(config.webPIN)
        } else {
            let (text, created) = try secretFile(pinFile(config)) { String(format: "%06d", Int.random(in: 0...999_999)) }
            guard text.count >= 4, text.allSatisfy(\.isNumber) else { throw OperatorAuthError.malformed(path: pinFile(config).path) }
            if created {
                logger.notice("web.pin is not set: a new operator PIN was written to the PIN file (read it there; set web.pin to choose one)",
                              metadata: ["file": "\(pinFile(config).path)"])
            }
            pin = digest(text)
        }
        let (token, _) = try secretFile(tokenFile(config)) { randomHex(32) }
        guard token.count >= 32 else { throw OperatorAuthError.malformed(path: tokenFile(config).path) }
        return OperatorAuth(pinDigest: pin, tokenDigest: digest(token))
    }

    /// Reads a one-line secret, or creates it with `make()` (mode 0600). Returns it and whether it was created.
    static func secretFile(_ url: URL, make: () -> String) throws -> (String, Bool) {
        let path = url.path
        if FileManager.default.fileExists(atPath: path) {
            var st = stat()
            guard stat(path, &st) == 0 else { throw OperatorAuthError.unreadable(path: path, reason: String(cString: strerror(errno))) }
            if st.st_mode & 0o077 != 0 { throw OperatorAuthError.tooOpen(path: path) }
            do {
                return (try String(contentsOf: url, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), false)
            } catch { throw OperatorAuthError.unreadable(path: path, reason: "\(error)") }
        }
        let value = make()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw OperatorAuthError.unreadable(path: path, reason: String(cString: strerror(errno))) }
        let line = Array((value + "\n").utf8)
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == line.count, synced == 0 else { throw OperatorAuthError.unreadable(path: path, reason: "short write") }
        return (value, true)
    }

    static func digest(_ s: String) -> [UInt8] { Array(SHA256.hash(data: Data(s.utf8))) }

    static func randomHex(_ bytes: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &g)) }.joined()
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = hex.makeIterator()
        while let a = chars.next(), let b = chars.next() { out.append(UInt8(String([a, b]), radix: 16) ?? 0) }
        return out
    }

    /// Equal digests, compared without an early exit.
    static func sameDigest(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in a.indices { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    /// The answer to a login attempt.
    public enum Login: Equatable {
        case session(String)
        case wrongPIN
        case locked(seconds: Int)
    }

    /// Checks a PIN; on success opens a session and returns its cookie value.
    public func login(pin: String, now: Date = Date()) -> Login {
        lock.lock(); defer { lock.unlock() }
        if now < lockedUntil { return .locked(seconds: Int(lockedUntil.timeIntervalSince(now).rounded(.up))) }
        guard Self.sameDigest(Self.digest(pin), pinDigest) else {
            failures += 1
            if failures >= 5 {
                failures = 0
                lockedUntil = now.addingTimeInterval(30)
            }
            return .wrongPIN
        }
        failures = 0
        sessions = sessions.filter { $0.value > now }
        let id = Self.randomHex(32)
        sessions[id] = now.addingTimeInterval(sessionLifetime)
        return .session(id)
    }

    public func logout(session: String) {
        lock.lock(); defer { lock.unlock() }
        sessions[session] = nil
    }

    /// A live session (its lifetime is extended by use).
    public func isValid(session: String, now: Date = Date()) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard let until = sessions[session], until > now else { sessions[session] = nil; return false }
        sessions[session] = now.addingTimeInterval(sessionLifetime)
        return true
    }

    public func isValid(token: String) -> Bool { Self.sameDigest(Self.digest(token), tokenDigest) }

    /// Whether a request carries a valid bearer token or session cookie.
    public func admits(_ request: Request) -> Bool {
        if let auth = request.headers[.authorization], auth.hasPrefix("Bearer ") {
            return isValid(token: String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        }
        if let cookie = request.cookies[Self.cookieName] { return isValid(session: cookie.value) }
        return false
    }
}

/// Answers 401 to every `/api/` request without the operator's credential, except the login itself.
struct OperatorAuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let auth: OperatorAuth
    static var openPaths: Set<String> { ["/api/login"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/"), !Self.openPaths.contains(path) else { return try await next(request, context) }
        guard auth.admits(request) else {
            var r = try APIAnswer.error("Cần đăng nhập bằng mã PIN của trạm (or a bearer token from web.token).", status: .unauthorized)
            r.headers[.wwwAuthenticate] = "Bearer realm=\"station\""
            return r
        }
        return try await next(request, context)
    }
}

/// `POST /api/login` (PIN → session cookie), `POST /api/logout`, `GET /api/session`.
enum LoginRoutes {
    struct Credentials: Decodable { let pin: String }
    struct SessionInfo: Encodable { let authenticated: Bool; let station: String; let stationName: String }

    static func add(to router: Router<BasicRequestContext>, core: StationCore, auth: OperatorAuth) {
        router.post("/api/login") { request, context -> Response in
            guard let c = try? await request.decode(as: Credentials.self, context: context) else {
                return try APIAnswer.error("Gửi {\"pin\": \"...\"}.", status: .badRequest)
            }
            switch auth.login(pin: c.pin) {
            case .session(let id):
                var r = try APIAnswer.json(SessionInfo(authenticated: true, station: core.config.stationID, stationName: core.config.stationName))
                r.setCookie(Cookie(name: OperatorAuth.cookieName, value: id, maxAge: Int(auth.sessionLifetime), path: "/",
                                   secure: false, httpOnly: true, sameSite: .strict))
                return r
            case .wrongPIN:
                return try APIAnswer.error("Mã PIN không đúng.", status: .unauthorized)
            case .locked(let s):
                var r = try APIAnswer.error("Nhập sai quá nhiều lần: thử lại sau \(s) giây.", status: .tooManyRequests)
                r.headers[.retryAfter] = "\(s)"
                return r
            }
        }
        router.post("/api/logout") { request, _ -> Response in
            if let c = request.cookies[OperatorAuth.cookieName] { auth.logout(session: c.value) }
            var r = try APIAnswer.json(SessionInfo(authenticated: false, station: core.config.stationID, stationName: core.config.stationName))
            r.setCookie(Cookie(name: OperatorAuth.cookieName, value: "", maxAge: 0, path: "/", httpOnly: true, sameSite: .strict))
            return r
        }
        router.get("/api/session") { _, _ -> Response in
            try APIAnswer.json(SessionInfo(authenticated: true, station: core.config.stationID, stationName: core.config.stationName))
        }
    }
}
