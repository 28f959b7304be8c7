import ArgumentParser
import Foundation
import Station
import Trace

/// Opens the trace services for a CLI command, turning errors into a message and exit status 1.
func openTrace(_ options: GlobalOptions) throws -> TraceServices {
    let config = try options.load()
    return try reporting { try TraceServices(config: config) }
}

/// Runs `body`, printing a failure as one clear line (exit status 1) instead of a stack of types.
func reporting<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as ExitCode { throw e } catch {
        if let storage = StoreError.classify(error) {
            FileHandle.standardError.write(Data("station: \(storage)\n".utf8))
            throw ExitCode(storage.exitStatus)
        }
        FileHandle.standardError.write(Data("station: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}

struct ProductCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "product", abstract: "Products that get stamps.",
                                                    subcommands: [Add.self, List.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add or update a product.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "GTIN-8/12/13/14 with its check digit.") var gtin: String
        @Option(help: "Product name as printed (Vietnamese).") var name: String
        @Option(help: "Producer name.") var producer: String
        @Option(help: "Producer GLN (13 digits).") var producerGln: String
        @Option(help: "Producer address.") var address = ""
        @Option(help: "Label template name in Config/templates/.") var template = "mien-dong-50x30"
        @Option(help: "random or sequential (fixed once the product exists).") var serialFormat: String = "random"
        @Option(help: "Shelf life in days: default expiry of new batches.") var shelfLifeDays: Int?

        func run() throws {
            let trace = try openTrace(options)
            guard let format = SerialFormat(rawValue: serialFormat) else {
                throw ValidationError("--serial-format must be random or sequential")
            }
            let p = try reporting {
                try trace.catalog.addProduct(Product(gtin: gtin, name: name, producer: producer, producerAddress: address,
                                                     producerGLN: producerGln, template: template, serialFormat: format, shelfLifeDays: shelfLifeDays))
            }
            print("product \(p.gtin) \(p.name) (\(p.serialFormat.rawValue) serials)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List products.")
        @OptionGroup var options: GlobalOptions
        @Flag(help: "JSON output.") var json = false
        func run() throws {
            let products = try reporting { try openTrace(options).catalog.products() }
            if json { return try printJSON(products) }
            for p in products { print("\(p.gtin)  \(p.name)  — \(p.producer)  [\(p.serialFormat.rawValue)]") }
        }
    }
}

struct BatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "batch", abstract: "Production batches (lots).",
                                                    subcommands: [Create.self, List.self, Show.self, Close.self, Recall.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Open a batch of a product.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Product GTIN.") var product: String
        @Option(help: "Lot number (AI 10: up to 20 characters).") var lot: String
        @Option(help: "Production date YYYY-MM-DD.") var produced: String
        @Option(help: "Expiry date YYYY-MM-DD (default: production + shelf life).") var expires: String?
        @Option(help: "Planned number of stamps.") var quantity: Int
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let trace = try openTrace(options)
            let b = try reporting {
                try trace.catalog.createBatch(gtin: product, lot: lot, productionDate: produced, expiryDate: expires, plannedQuantity: quantity)
            }
            if json { return try printJSON(b) }
            print("batch \(b.id): \(b.gtin) lot \(b.lot), produced \(b.productionDate), expires \(b.expiryDate ?? "-"), \(b.plannedQuantity) planned")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List batches.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "open or closed.") var status: String?
        @Flag(help: "JSON output.") var json = false
        func run() throws {
            let st = try status.map { s -> Batch.Status in
                guard let v = Batch.Status(rawValue: s) else { throw ValidationError("--status must be open or closed") }
                return v
            }
            let batches = try reporting { try openTrace(options).catalog.batches(status: st) }
            if json { return try printJSON(batches) }
            for b in batches { print("\(b.id)  \(b.gtin)  lot \(b.lot)  \(b.productionDate) → \(b.expiryDate ?? "-")  \(b.plannedQuantity) planned  \(b.status.rawValue)") }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a batch and its stamp counts.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Batch id or lot.") var batch: String
        func run() throws {
            let trace = try openTrace(options)
            let (b, p, counts) = try reporting { () throws -> (Batch, Product, [String: Int]) in
                let b = try trace.catalog.batch(named: batch)
                return (b, try trace.catalog.product(gtin: b.gtin), try trace.catalog.serialCounts(batchID: b.id))
            }
            print("""
            batch \(b.id) (\(b.status.rawValue))
              product:    \(p.name) — GTIN \(p.gtin)
              producer:   \(p.producer)\(p.producerAddress.isEmpty ? "" : ", " + p.producerAddress) (GLN \(p.producerGLN))
              lot:        \(b.lot)
              produced:   \(b.productionDate)
              expires:    \(b.expiryDate ?? "-")
              planned:    \(b.plannedQuantity)
              reserved:   \(counts["reserved"] ?? 0)
            """)
            for (state, n) in counts.sorted(by: { $0.key < $1.key }) where state != "reserved" { print("  \(state): \(n)") }
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Close a batch: no more stamps can be issued for it.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Batch id or lot.") var batch: String
        func run() throws {
            let trace = try openTrace(options)
            let b = try reporting { try trace.catalog.closeBatch(id: try trace.catalog.batch(named: batch).id) }
            print("batch \(b.id) lot \(b.lot) is \(b.status.rawValue)")
        }
    }

    struct Recall: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recall a batch: every stamp of it verifies as recalled (here, and on the trace-server once synced); the batch is closed.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Batch id or lot.") var batch: String
        @Option(help: "Product GTIN, when several products have this lot.") var product: String?
        @Option(help: "Why the batch is recalled (shown to inspectors and consumers).") var reason: String
        @Option(help: "Operator id recorded with the recall.") var `operator`: String?
        @Flag(help: "JSON output.") var json = false

        func run() throws {
            let trace = try openTrace(options)
            let r = try reporting { () throws -> BatchRecall in
                let b = try trace.catalog.batch(named: batch, gtin: product)
                return try trace.ledger.recall(batchID: b.id, reason: reason, operatorID: `operator`)
            }
            if json { return try printJSON(r) }
            print("Đã thu hồi lô \(r.lot) (sản phẩm \(r.gtin), lô số \(r.batchID)): \(r.reason)")
            print("  sự kiện thu hồi \(r.eventID); mọi tem của lô này sẽ báo \"lô bị thu hồi\" khi kiểm tra")
        }
    }
}
