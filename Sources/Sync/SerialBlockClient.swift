import AsyncHTTPClient
import Foundation
import NIOCore

/// A block of serial counters the trace-server granted this station (`POST /api/serial-blocks`):
/// counters `start ..< end` of one product and serial format, never granted to anyone else.
public struct GrantedSerialBlock: Codable, Sendable, Equatable {
    public var gtin: String
    public var format: String
    public var start: UInt64
    /// Exclusive.
    public var end: UInt64
    public var stationID: String
}

/// Asks the trace-server for serial blocks, for a station whose serials come from the province
/// (`serials.source = "server"`) rather than from its own prefix space.
public struct SerialBlockClient: Sendable {
    public let serverURL: String
    let token: String
    let timeout: TimeAmount
    let http: HTTPClient

    public init(serverURL: String, token: String, timeout: TimeAmount = .seconds(15), http: HTTPClient = .shared) throws(SyncError) {
        let trimmed = serverURL.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { throw .notConfigured }
        guard let u = URL(string: trimmed), ["http", "https"].contains(u.scheme?.lowercased() ?? ""), u.host != nil else {
            throw .invalidServerURL(serverURL)
        }
        self.serverURL = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        self.token = token
        self.timeout = timeout
        self.http = http
    }

    /// Requests `count` counters of `gtin` in `format` (`random` or `sequential`).
    public func request(gtin: String, format: String, count: Int) async throws(SyncError) -> GrantedSerialBlock {
        struct Body: Encodable { var gtin: String; var format: String; var count: Int }
        var request = HTTPClientRequest(url: serverURL + "/api/serial-blocks")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        do {
            request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(Body(gtin: gtin, format: format, count: count))))
        } catch {
            throw .malformedAnswer("cannot encode the request: \(error)")
        }
        let status: Int
        let body: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: timeout)
            status = Int(response.status.code)
            body = try await response.body.collect(upTo: 1 << 20)
        } catch is CancellationError {
            throw .transport("cancelled")
        } catch {
            throw .transport(SyncClient.describe(error))
        }
        let data = Data(body.readableBytesView)
        func message() -> String {
            struct E: Decodable { var error: String }
            return (try? JSONDecoder().decode(E.self, from: data))?.error ?? String(decoding: data.prefix(500), as: UTF8.self)
        }
        switch status {
        case 200, 201:
            guard let block = try? JSONDecoder().decode(GrantedSerialBlock.self, from: data), block.end > block.start,
                  block.end - block.start <= UInt64(count), block.gtin == gtin, block.format == format else {
                throw .malformedAnswer("not a serial block for \(gtin) (\(format)): \(String(decoding: data.prefix(300), as: UTF8.self))")
            }
            return block
        case 401: throw .unauthorized(message())
        case 403: throw .forbidden(message())
        case 429, 500...599: throw .serverBusy(status: status, retryAfter: nil)
        default: throw .unexpectedStatus(status, message())
        }
    }
}
