import ArgumentParser
import Foundation
import Station
import StationWeb
import Trace

struct RollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "roll", abstract: "Pre-printed stamp rolls: issue them to a print shop, follow their use, void a lost one.",
        subcommands: [Issue.self, Export.self, Status.self, Void.self])

    struct Layout: ParsableArguments {
        @Option(help: "a4 (N-up sheets with crop marks) or roll (one stamp per page, the stamp plus the gap).") var layout = "a4"
        @Option(help: "Gap between stamps (a4) or around each stamp (roll), in mm.") var gap: Double = 3
        @Option(help: "Sheet margin in mm (crop marks and the page caption go there).") var margin: Double = 12
        @Option(help: "Printhead resolution for the ZPL stream and the PDF geometry: 180, 203, 300 or 600 (default: the template's).") var dpi: Int?

        func options() throws -> RollPrintFiles.Options {
            var o = RollPrintFiles.Options()
            switch layout {
            case "a4": o.form = .a4
            case "roll": o.form = .roll
            default: throw ValidationError("--layout must be a4 or roll")
            }
            o.gapMM = gap
            o.marginMM = margin
            o.dpi = dpi
            return o
        }
    }

    static func export(_ trace: TraceServices, roll: StampRoll, plan: RollPrintFiles.Plan, out: String) throws {
        let files = try reporting {
            try RollPrintFiles.write(roll: roll, stamps: try trace.rolls.stamps(rollID: roll.id), product: try roll.gtin.map { try trace.catalog.product(gtin: $0) },
                                     plan: plan, to: URL(fileURLWithPath: out))
        }
        print("  PDF  \(files.pdf.path) (\(files.pages) trang)")
        print("  ZPL  \(files.zpl.path)")
        print("  CSV  \(files.manifest.path) (\(files.stamps) tem: position, serial, url, tag, page, x_mm, y_mm)")
    }

    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Issue a roll: allocate N serials (state encoded) and write the print-shop PDF, ZPL and CSV manifest.",
            discussion: "With --product the stamps are that product's serials. Without it the roll is the province's: each stamp is a GIAI (AI 8004) under rolls.company_prefix (or --company-prefix), bound at activation to an item of whatever batch the line is packing.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Product GTIN (omit for a province roll usable on any product).") var product: String?
        @Option(help: "GS1 company prefix of a province roll's GIAIs (default: rolls.company_prefix).") var companyPrefix: String?
        @Option(help: "Number of stamps.") var count: Int
        @Option(help: "Province printed on the stamps, e.g. \"tỉnh Bắc Kạn\".") var province = ""
        @Option(help: "Label template for roll stamps (no lot or dates on it).") var template = "roll-30x40"
        @Option(help: "Operator id recorded with the roll.") var `operator`: String?
        @Option(help: "Folder for the print-shop files.") var out: String
        @OptionGroup var layout: Layout

        func run() async throws {
            let config = try options.load()
            let trace = try openTrace(options)
            let options = try layout.options()
            let plan = try reporting { try RollPrintFiles.Plan(template: template, templatesDirectory: config.templatesDirectory, options: options) }
            // A station on the province's serial blocks gets enough for the roll first.
            if let product, let supply = try reporting({ try SerialSupply.fromServer(config: config, trace: trace) }) {
                let p = try reporting { try trace.catalog.product(gtin: product) }
                do { try await supply.ensure(gtin: p.gtin, format: p.serialFormat, count: count) } catch {
                    FileHandle.standardError.write(Data("station: the trace-server did not grant serials for the roll: \(error)\n".utf8))
                    throw ExitCode(69)
                }
            }
            let roll = try reporting { () throws -> StampRoll in
                if let product {
                    guard companyPrefix == nil else { throw ValidationError("--company-prefix is for province rolls (without --product)") }
                    return try trace.rolls.issue(gtin: product, count: count, province: province, resolver: config.resolverBase,
                                                 template: template, operatorID: `operator`)
                }
                return try trace.rolls.issueProvince(companyPrefix: companyPrefix ?? config.rollsCompanyPrefix, count: count, province: province,
                                                     resolver: config.resolverBase, template: template, operatorID: `operator`)
            }
            if let gtin = roll.gtin {
                print("Cuộn tem số \(roll.id): \(roll.count) tem cho sản phẩm \(gtin), trạng thái \(roll.status.vietnamese)")
            } else {
                print("Cuộn tem số \(roll.id): \(roll.count) tem của tỉnh (GIAI \(roll.companyPrefix ?? "")…), dùng cho mọi sản phẩm, trạng thái \(roll.status.vietnamese)")
            }
            try RollCommand.export(trace, roll: roll, plan: plan, out: out)
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a roll's print-shop files again (same serials).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Roll id.") var id: Int64
        @Option(help: "Folder for the print-shop files.") var out: String
        @Option(help: "Another template of the same stamp size (default: the one the roll was issued with).") var template: String?
        @OptionGroup var layout: Layout

        func run() throws {
            let config = try options.load()
            let trace = try openTrace(options)
            guard let roll = try trace.rolls.roll(id: id) else { return try reporting { throw RollError.unknownRoll(id) } }
            let options = try layout.options()
            let plan = try reporting { try RollPrintFiles.Plan(template: template ?? roll.template, templatesDirectory: config.templatesDirectory, options: options) }
            print("Cuộn tem số \(roll.id): \(roll.count) tem")
            try RollCommand.export(trace, roll: roll, plan: plan, out: out)
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "How many stamps of each roll are active, unused or void.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Roll id (default: every roll).") var id: Int64?
        @Flag(help: "JSON instead of a table.") var json = false

        func run() throws {
            let trace = try openTrace(options)
            var rolls = try reporting { try trace.rolls.rolls() }
            if let id {
                rolls = rolls.filter { $0.id == id }
                if rolls.isEmpty { return try reporting { throw RollError.unknownRoll(id) } }
            }
            if json { return try printJSON(rolls) }
            print("cuộn  sản phẩm" + String(repeating: " ", count: 11) + "tem  kích hoạt  chưa dùng   hủy  trạng thái")
            for r in rolls {
                let cells = [pad(r.id, 4), r.gtin ?? "tỉnh " + (r.companyPrefix ?? "").padding(toLength: 9, withPad: " ", startingAt: 0),
                             pad(r.count, 6), pad(r.active, 9), pad(r.unused, 9), pad(r.void, 4)]
                print(cells.joined(separator: "  ") + "  " + r.status.vietnamese + (r.voidReason.map { " (\($0))" } ?? ""))
            }
        }
    }

    struct Void: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Void a lost roll: its unused stamps become void (decommissioning events) and verify as void.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Roll id.") var id: Int64
        @Option(help: "Why (goes into every void event).") var reason: String
        @Option(help: "Operator id.") var `operator`: String?

        func run() throws {
            let trace = try openTrace(options)
            let n = try reporting { try trace.rolls.void(rollID: id, reason: reason, operatorID: `operator`) }
            guard let r = try trace.rolls.roll(id: id) else { return }
            print("Đã hủy cuộn tem số \(id): \(n) tem chưa dùng bị hủy; \(r.active) tem đã kích hoạt vẫn có hiệu lực.")
        }
    }
}

private func pad<T: BinaryInteger>(_ n: T, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
}
