import Foundation
import Logging
import Station
import Sync
import Trace

extension SerialSupply {
    /// The supply of serial blocks from the configured trace-server, or nil when the station uses
    /// its own serial space (`serials.source = "local"`). Throws when the server is configured
    /// badly (no `server.url`, an unreadable token file): a station that must take its serials
    /// from the province cannot print without them.
    public static func fromServer(config: StationConfig, trace: TraceServices, logger: Logger = Logger(label: "station.serials")) throws -> SerialSupply? {
        guard config.serialsFromServer else { return nil }
        let client = try SerialBlockClient(serverURL: config.serverURL, token: try SyncClient.readToken(path: config.serverTokenFile),
                                           http: try ServerHTTP.client(caFile: config.serverCAFile))
        return SerialSupply(allocator: trace.allocator, blockSize: config.serialBlockSize, logger: logger) { gtin, format, count in
            let b = try await client.request(gtin: gtin, format: format.rawValue, count: count)
            return (b.start, b.end)
        }
    }
}
