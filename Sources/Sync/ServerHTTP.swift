import AsyncHTTPClient
import Foundation
import NIOSSL
import Synchronization

/// The HTTP client a station uses for its trace-server: the shared one, or for a province that runs
/// its server with a certificate of its own (`server.ca_file`), one that trusts exactly that
/// authority. Clients live as long as the process, one per CA file.
public enum ServerHTTP {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    public static func client(caFile: String) throws(SyncError) -> HTTPClient {
        guard !caFile.isEmpty else { return .shared }
        do {
            return try clients.withLock { cache in
                if let c = cache[caFile] { return c }
                let roots = try NIOSSLCertificate.fromPEMFile(caFile)
                guard !roots.isEmpty else { throw SyncError.invalidCAFile(path: caFile, reason: "no PEM certificate in it") }
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .certificates(roots)
                let c = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
                cache[caFile] = c
                return c
            }
        } catch let e as SyncError {
            throw e
        } catch {
            throw .invalidCAFile(path: caFile, reason: "\(error)")
        }
    }
}

extension ServerHTTP {
    /// The HTTP status of a GET (with the station's token, if given), or why there was none.
    public static func status(of url: String, token: String?, timeout: Double, caFile: String) async -> Result<Int, any Error> {
        do {
            let http = try client(caFile: caFile)
            var request = HTTPClientRequest(url: url)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            _ = try? await response.body.collect(upTo: 1 << 20)
            return .success(Int(response.status.code))
        } catch {
            return .failure(ServerUnreachable(reason: SyncClient.describe(error)))
        }
    }

    /// Why a request got no HTTP answer, in words.
    public struct ServerUnreachable: Error, CustomStringConvertible, LocalizedError {
        public let reason: String
        public var description: String { reason }
        public var errorDescription: String? { reason }
    }
}
