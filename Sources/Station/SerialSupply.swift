import Foundation
import Logging
import Trace

/// Keeps a station whose serials come from the trace-server (`serials.source = "server"`)
/// supplied with counter blocks: before serials are reserved, when the product's blocks hold
/// fewer than needed, it asks for another block (at least `serials.block_size` counters) and
/// records it. Offline with blocks in hand, the station prints on until they run out; a print job
/// then pauses and says so.
public struct SerialSupply: Sendable {
    /// Asks the server for `count` counters of a product in a format; returns `start ..< end`.
    public typealias Grant = @Sendable (_ gtin: String, _ format: SerialFormat, _ count: Int) async throws -> (start: UInt64, end: UInt64)

    let allocator: SerialAllocator
    public let blockSize: Int
    let grant: Grant
    let logger: Logger

    public init(allocator: SerialAllocator, blockSize: Int, logger: Logger = Logger(label: "station.serials"), grant: @escaping Grant) {
        self.allocator = allocator
        self.blockSize = blockSize
        self.grant = grant
        self.logger = logger
    }

    /// Makes at least `count` counters of `gtin` available, asking for blocks as needed.
    /// Returns the blocks granted (empty when there were enough). Throws when the server cannot
    /// give them; what was granted before the failure is kept.
    @discardableResult
    public func ensure(gtin: String, format: SerialFormat, count: Int) async throws -> [(start: UInt64, end: UInt64)] {
        var granted: [(start: UInt64, end: UInt64)] = []
        var available = try allocator.available(gtin: gtin, format: format)
        while available < UInt64(max(0, count)) {
            let ask = max(blockSize, count - Int(available))
            let block = try await grant(gtin, format, ask)
            try allocator.addServerBlock(gtin: gtin, format: format, start: block.start, end: block.end)
            logger.info("serial block granted by the trace-server",
                        metadata: ["gtin": "\(gtin)", "start": "\(block.start)", "end": "\(block.end)"])
            granted.append(block)
            available += block.end - block.start
        }
        return granted
    }
}
