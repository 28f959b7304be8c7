import ArgumentParser
import Foundation
import Station
import Trace

struct SerialsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serials", abstract: "Reserve serial numbers for a batch.",
                                                    subcommands: [Reserve.self, Churn.self])

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
