import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Why a sync attempt did not get events confirmed, and what the operator can do about it.
public enum SyncError: Error, Equatable, CustomStringConvertible {
    /// `server.url` is empty: the station works offline.
    case notConfigured
    case invalidServerURL(String)
    case tokenFileUnreadable(path: String, reason: String)
    case tokenFileTooOpen(path: String, mode: String)
    /// `server.ca_file` cannot be read as PEM certificates.
    case invalidCAFile(path: String, reason: String)
    /// The server could not be reached or did not answer in time; retried.
    case transport(String)
    /// The server is overloaded or failing (HTTP 429 / 5xx); retried, after `retryAfter` if it said so.
    case serverBusy(status: Int, retryAfter: Double?)
    /// The server answered 200 with something that is not a capture answer; retried.
    case malformedAnswer(String)
    /// The server's answer does not confirm an event that was sent and not rejected; retried.
    case unconfirmed(seq: Int64, eventID: String)
    /// The token is unknown to the server.
    case unauthorized(String)
    /// The server refused the events (another station's events, a product it may not register).
    case forbidden(String)
    /// The batch was larger than the server accepts; sent again in smaller batches.
    case tooLarge(batch: Int)
    /// No answer to a batch within the request timeout (a slow link or a busy server); retried
    /// with smaller batches, so that a batch the server cannot finish in time does not stall sync.
    case timedOut(batch: Int)
    /// The server rejected an event: it will not be stored as it is.
    case rejected(seq: Int64?, reason: String)
    case unexpectedStatus(Int, String)

    /// Whether trying again later may succeed without anyone changing anything.
    public var isTransient: Bool {
        switch self {
        case .transport, .serverBusy, .malformedAnswer, .unconfirmed, .tooLarge, .timedOut: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .notConfigured: return "no server.url is configured: this station works offline"
        case .invalidServerURL(let u): return "server.url \"\(u)\" is not an http(s) URL"
        case .tokenFileUnreadable(let p, let r): return "cannot read the server token file \(p) (\(r)); set server.token_file to the file holding the token from `trace-server station add`"
        case .tokenFileTooOpen(let p, let m): return "the server token file \(p) has mode \(m): other users could read it; run `chmod 600 \(p)`"
        case .invalidCAFile(let p, let r): return "server.ca_file \(p) is not a PEM certificate file (\(r)); give the province server's CA certificate, or leave it empty to trust the system's authorities"
        case .transport(let r): return "the trace-server could not be reached: \(r); will retry"
        case .serverBusy(let s, let ra): return "the trace-server answered HTTP \(s)\(ra.map { ", retry after \(Int($0)) s" } ?? ""); will retry"
        case .malformedAnswer(let r): return "the trace-server's answer is not a capture answer (\(r)); will retry"
        case .unconfirmed(let seq, let id): return "the trace-server did not confirm event #\(seq) (\(id)); will resend it"
        case .unauthorized(let m): return "the trace-server does not accept this station's token (\(m)); check server.token_file against `trace-server station list`"
        case .forbidden(let m): return "the trace-server refused the events: \(m)"
        case .tooLarge(let n): return "a batch of \(n) events is larger than the trace-server accepts; sending smaller batches"
        case .timedOut(let n): return "the trace-server did not answer a batch of \(n) events within the request timeout; will retry with smaller batches"
        case .rejected(let seq, let r): return "the trace-server rejected event\(seq.map { " #\($0)" } ?? "s"): \(r); sync is held at this event until it is fixed"
        case .unexpectedStatus(let s, let b): return "the trace-server answered HTTP \(s): \(b)"
        }
    }
}

/// The trace-server's answer to a capture (the server's `CaptureAnswer`).
public struct CaptureReply: Decodable, Sendable, Equatable {
    public struct Rejection: Decodable, Sendable, Equatable {
        public var index: Int?
        public var eventID: String?
        public var reason: String
    }
    public var accepted: [String]
    public var duplicates: [String]
    public var rejected: [Rejection]
    public var contiguousSequence: Int64?
}

/// Sends EPCIS documents to a trace-server's `/epcis/capture`.
public struct SyncClient: Sendable {
    public let serverURL: String
    public let requestTimeout: TimeAmount
    let http: HTTPClient

    public init(serverURL: String, requestTimeout: TimeAmount = .seconds(30), http: HTTPClient = .shared) throws {
        guard let u = URL(string: serverURL), let scheme = u.scheme?.lowercased(), ["http", "https"].contains(scheme), u.host != nil else {
            throw SyncError.invalidServerURL(serverURL)
        }
        self.serverURL = serverURL.hasSuffix("/") ? String(serverURL.dropLast()) : serverURL
        self.requestTimeout = requestTimeout
        self.http = http
    }

    /// Reads a token file, refusing one that other users could read.
    public static func readToken(path: String) throws -> String {
        guard !path.isEmpty else { throw SyncError.tokenFileUnreadable(path: "(none)", reason: "server.token_file is empty") }
        let attrs: [FileAttributeKey: Any]
        do { attrs = try FileManager.default.attributesOfItem(atPath: path) } catch {
            throw SyncError.tokenFileUnreadable(path: path, reason: "it does not exist or cannot be read")
        }
        if let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SyncError.tokenFileTooOpen(path: path, mode: String(mode, radix: 8))
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw SyncError.tokenFileUnreadable(path: path, reason: "not UTF-8 text")
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw SyncError.tokenFileUnreadable(path: path, reason: "the file is empty") }
        return token
    }

    /// POSTs one capture document; `firstSequence` is the station sequence of its first event.
    public func capture(document: Data, firstSequence: Int64, eventCount: Int, token: String) async throws(SyncError) -> CaptureReply {
        var request = HTTPClientRequest(url: serverURL + "/epcis/capture")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/ld+json")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "TXNG-First-Sequence", value: String(firstSequence))
        request.body = .bytes(ByteBuffer(bytes: document))
        let status: Int
        let headers: HTTPHeaders
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: requestTimeout)
            status = Int(response.status.code)
            headers = response.headers
            body = try await response.body.collect(upTo: 32 * 1024 * 1024)
        } catch is CancellationError {
            throw .transport("cancelled")
        } catch let e as HTTPClientError where e == .deadlineExceeded {
            throw .timedOut(batch: eventCount)
        } catch {
            throw .transport(Self.describe(error))
        }
        let text = String(decoding: body.readableBytesView.prefix(2000), as: UTF8.self)
        func message() -> String {
            struct E: Decodable { var error: String }
            return (try? JSONDecoder().decode(E.self, from: Data(body.readableBytesView)))?.error ?? text
        }
        switch status {
        case 200:
            do { return try JSONDecoder().decode(CaptureReply.self, from: Data(body.readableBytesView)) } catch {
                throw .malformedAnswer("\(error)")
            }
        case 401: throw .unauthorized(message())
        case 403: throw .forbidden(message())
        case 413: throw .tooLarge(batch: eventCount)
        case 400, 422:
            let reply = try? JSONDecoder().decode(CaptureReply.self, from: Data(body.readableBytesView))
            throw .rejected(seq: reply?.rejected.first?.index.map { firstSequence + Int64($0) }, reason: reply?.rejected.first?.reason ?? message())
        case 429, 500...599:
            throw .serverBusy(status: status, retryAfter: headers.first(name: "Retry-After").flatMap(Self.retryAfter))
        default:
            throw .unexpectedStatus(status, message())
        }
    }

    /// `Retry-After` in seconds: a number of seconds or an HTTP date.
    static func retryAfter(_ value: String) -> Double? {
        if let s = Double(value.trimmingCharacters(in: .whitespaces)), s >= 0 { return s }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }

    static func describe(_ error: Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .deadlineExceeded: return "no answer within the request timeout"
            case .connectTimeout: return "connection timed out"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(e)"
            }
        }
        return String(describing: error)
    }
}
