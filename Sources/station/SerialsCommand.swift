import ArgumentParser
import Foundation
import Station
import StationWeb
import Trace

struct SerialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serials", abstract: "Serial numbers: reserve them for a batch, see and fetch counter blocks.",
                                                    subcommands: [Reserve.self, Blocks.self, Fetch.self, Churn.self])

    struct Blocks: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "This station's serial counter blocks: its own space, or blocks granted by the trace-server, and how many are left.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let config = try options.load()
            let trace = try openTrace(options)
            let blocks = try reporting { try trace.allocator.blocks() }
            if json { return try printJSON(blocks) }
            print("nguồn số sê-ri: \(config.serialsFromServer ? "máy chủ tỉnh (serials.source = server)" : "của trạm (serials.source = local)")")
            print("khối  sản phẩm          kiểu        nguồn    từ          đến (không gồm)  còn lại")
            for b in blocks {
                print([String(b.id).padding(toLength: 4, withPad: " ", startingAt: 0), b.gtin.padding(toLength: 16, withPad: " ", startingAt: 0),
                       b.format.padding(toLength: 10, withPad: " ", startingAt: 0), b.source.padding(toLength: 7, withPad: " ", startingAt: 0),
                       String(b.start).padding(toLength: 10, withPad: " ", startingAt: 0), String(b.end).padding(toLength: 15, withPad: " ", startingAt: 0),
                       String(b.left)].joined(separator: "  "))
            }
        }
    }

    struct Fetch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Ask the trace-server for serial blocks of a product now (serials.source = server), e.g. before going offline for days.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Product GTIN.") var product: String
        @Option(help: "Counters to have available afterwards (default: serials.block_size).") var count: Int?

        func run() async throws {
            let config = try options.load()
            let trace = try openTrace(options)
            guard let supply = try reporting({ try SerialSupply.fromServer(config: config, trace: trace) }) else {
                FileHandle.standardError.write(Data("station: serials.source is local: this station draws serials from its own space and needs no blocks\n".utf8))
                throw ExitCode(78)
            }
            let p = try reporting { try trace.catalog.product(gtin: product) }
            let want = count ?? config.serialBlockSize
            let granted: [(start: UInt64, end: UInt64)]
            do { granted = try await supply.ensure(gtin: p.gtin, format: p.serialFormat, count: want) } catch {
                FileHandle.standardError.write(Data("station: \(error)\n".utf8))
                throw ExitCode(69)
            }
            for b in granted { print("khối mới \(b.start)..<\(b.end) (\(b.end - b.start) số) cho \(p.gtin)") }
            let left = try reporting { try trace.allocator.available(gtin: p.gtin, format: p.serialFormat) }
            print("\(p.name): còn \(left) số sê-ri trong các khối của trạm\(granted.isEmpty ? " (đủ, không cần xin thêm)" : "")")
        }
    }

    struct Reserve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Durably reserve N serials and print them as CSV (serial, tag, Digital Link).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Batch id or lot.") var batch: String
        @Option(help: "How many.") var count: Int
        @Flag(help: "Also record them as printed (commissioning events), e.g. for stamps printed elsewhere.") var commission = false

        func run() throws {
            let config = try options.load()
            let trace = try openTrace(options)
            let b = try reporting { try trace.catalog.batch(named: batch) }
            let r = try reporting { try trace.allocator.reserve(batchID: b.id, count: count, purpose: "cli") }
            if commission { try reporting { _ = try trace.ledger.commission(r, indices: 0..<r.count) } }
            print("serial,tag,url")
            for s in r.serials {
                let tag = try reporting { try trace.tagger.tag(gtin14: r.gtin, serial: s) }
                let url = try reporting { try StampCode.digitalLink(resolver: config.resolverBase, gtin: r.gtin, lot: b.lot, serial: s, expiry: b.expiryDate, tag: tag) }
                print("\(s),\(tag),\(url)")
            }
        }
    }

    /// Used by the crash tests: reserves and commissions in a loop, printing a line only after each
    /// commit, so whatever the test reads was acknowledged durably before the process was killed.
    struct Churn: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reserve and commission serials in a loop, acknowledging each commit (for crash tests).",
                                                        shouldDisplay: false)
        @OptionGroup var options: GlobalOptions
        @Option(help: "Batch id or lot.") var batch: String
        @Option(help: "Serials per reservation.") var chunk = 7
        @Option(help: "Stop after this many reservations (0 = until killed).") var rounds = 0

        func run() throws {
            let trace = try openTrace(options)
            let b = try reporting { try trace.catalog.batch(named: batch) }
            var n = 0
            setvbuf(stdout, nil, _IOLBF, 0)
            while rounds == 0 || n < rounds {
                let r = try trace.allocator.reserve(batchID: b.id, count: chunk, purpose: "churn")
                print("R " + r.serials.joined(separator: " "))
                let half = chunk / 2
                for e in try trace.ledger.commission(r, indices: 0..<half) { print("E \(e.eventID)") }
                for i in half..<chunk {
                    let e = try trace.ledger.void(r, gtin: r.gtin, serial: r.serial(at: i), reason: "churn")
                    print("E \(e.eventID)")
                }
                n += 1
            }
        }
    }
}
