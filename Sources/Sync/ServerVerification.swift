import AsyncHTTPClient
import Foundation
import GS1
import NIOCore

/// The provincial trace-server's verdict on one stamp, as its GS1 Digital Link verify endpoint
/// (`GET /01/<gtin>/…/21/<serial>?…`, JSON) answers it: what the whole province knows, where
/// the station alone knows only its own stamps and events.
public struct ServerVerdict: Codable, Sendable, Equatable {
    /// One event of the stamp's history on the server.
    public struct Step: Codable, Sendable, Equatable {
        public var eventTime: String
        public var bizStep: String?
        public var stationID: String?
        /// An error declaration: the event it names no longer counts.
        public var correction: Bool
    }
    /// A sign of a copied code: `many-lookups`, `received-in-several-places`, `seen-in-many-places`, `revoked-key`.
    public struct Warning: Codable, Sendable, Equatable {
        public var code: String
        public var message: String
    }
    public struct Named: Codable, Sendable, Equatable { public var name: String? }

    /// `genuine`, `unknown`, `forged`, `void`, `recalled`, `suspicious`, `not_activated` or `not_a_stamp`.
    public var verdict: String
    /// One sentence in Vietnamese, and why in English.
    public var message: String
    public var reason: String
    public var lot: String?
    public var product: Named?
    public var producer: Named?
    public var history: [Step]
    /// Lookups of this stamp on the server, this one included.
    public var scanCount: Int
    public var warnings: [Warning]
}

/// Asks the trace-server for its verdict on a scanned or photographed code.
public struct ServerVerificationClient: Sendable {
    public let serverURL: String
    let timeout: TimeAmount
    let http: HTTPClient

    public init(serverURL: String, timeout: TimeAmount = .seconds(5), http: HTTPClient = .shared) throws(SyncError) {
        let trimmed = serverURL.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .notConfigured }
        guard let u = URL(string: trimmed), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else { throw .invalidServerURL(serverURL) }
        self.serverURL = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        self.timeout = timeout
        self.http = http
    }

    /// The verify path of a code (`/01/…?…`), whatever form it was printed in: a Digital Link on
    /// any resolver host or a GS1 element string; nil for text that is not a GS1 code.
    public static func verifyPath(for text: String) -> String? {
        let link: DigitalLink
        if let code = try? TraceCode(parsing: text), let l = try? code.digitalLink(resolver: DigitalLink.canonicalResolver) {
            link = l
        } else if let scanned = try? ScannedGS1(parsing: text), scanned.message["8004"] != nil,
                  let l = try? DigitalLink(scanned.message, resolver: DigitalLink.canonicalResolver) {
            link = l   // a province roll's stamp (GIAI)
        } else {
            return nil
        }
        let uri = link.uri
        guard uri.hasPrefix(DigitalLink.canonicalResolver) else { return nil }
        return String(uri.dropFirst(DigitalLink.canonicalResolver.count))
    }

    /// The server's verdict on `text`. Throws ``SyncError`` when the server cannot answer (not
    /// reachable, not a verify answer); a code that is not a stamp is a verdict, not an error.
    public func verdict(for text: String) async throws(SyncError) -> ServerVerdict {
        guard let path = Self.verifyPath(for: text) else {
            return ServerVerdict(verdict: "not_a_stamp", message: "Đây không phải là mã truy xuất hợp lệ.", reason: "not a GS1 code",
                                 history: [], scanCount: 0, warnings: [])
        }
        var request = HTTPClientRequest(url: serverURL + path)
        request.headers.add(name: "Accept", value: "application/json")
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.execute(request, timeout: timeout)
            body = try await response.body.collect(upTo: 4 << 20)
        } catch is CancellationError {
            throw .transport("cancelled")
        } catch {
            throw .transport(SyncClient.describe(error))
        }
        guard [200, 400].contains(response.status.code) else {
            throw .unexpectedStatus(Int(response.status.code), String(decoding: body.readableBytesView.prefix(300), as: UTF8.self))
        }
        do {
            return try JSONDecoder().decode(ServerVerdict.self, from: Data(body.readableBytesView))
        } catch {
            throw .malformedAnswer("not a verification answer: \(error)")
        }
    }
}
