import ArgumentParser
import Devices
import Foundation
import Station
import Trace

/// Options naming the product and batch of a label.
struct LabelTarget: ParsableArguments {
    @Option(help: "Product GTIN (optional when the batch's lot is unique).") var product: String?
    @Option(help: "Batch id or lot.") var batch: String
    @Option(help: "Serial to show (default: a preview serial that was never issued).") var serial: String?
    @Option(help: "Dots per inch: 180, 203, 300 or 600 (default: the template's).") var dpi: Int?
    @Option(help: "Template name (default: the product's).") var template: String?

    static let previewSerial = "XEMTRUOC01"

    func factory(_ options: GlobalOptions, language: PrinterLanguage, mode: LabelMode) throws -> (LabelFactory, String) {
        let config = try options.load()
        let trace = try openTrace(options)
        return try reporting {
            let b = try trace.catalog.batch(named: batch, gtin: product.map { try trace.catalog.product(gtin: $0).gtin })
            var p = try trace.catalog.product(gtin: b.gtin)
            if let template { p.template = template }
            let f = try LabelFactory(templatesDirectory: config.templatesDirectory, product: p, batch: b, language: language,
                                     dpi: dpi ?? 0, mode: mode, resolver: config.resolverBase, tagger: trace.tagger)
            return (f, serial ?? Self.previewSerial)
        }
    }
}

struct LabelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "label", abstract: "Preview and render stamp labels.",
                                                    subcommands: [Preview.self, Render.self])

    struct Preview: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a PNG of exactly what a raster label puts on paper.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var target: LabelTarget
        @Option(help: "Output PNG file.") var out: String
        func run() throws {
            let (f, serial) = try target.factory(options, language: .zpl, mode: .raster)
            let png = try reporting { try f.bitmap(serial: serial).pngData() }
            try Data(png).write(to: URL(fileURLWithPath: out), options: .atomic)
            print("\(out): \(f.template.name) at \(f.template.resolution.rawValue) dpi, serial \(serial)")
        }
    }

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the printer bytes of one label (ZPL or ESC/POS, native or raster).")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var target: LabelTarget
        @Option(help: "zpl or escpos.") var lang: String = "zpl"
        @Option(help: "native or raster.") var mode: String = "raster"
        @Option(help: "Output file (default: standard output).") var out: String?
        func run() throws {
            guard let language = PrinterLanguage(rawValue: lang) else { throw ValidationError("--lang must be zpl or escpos") }
            guard let m = LabelMode(rawValue: mode) else { throw ValidationError("--mode must be native or raster") }
            let (f, serial) = try target.factory(options, language: language, mode: m)
            let label = try reporting { try f.label(serial: serial) }
            if let out {
                try Data(label.bytes).write(to: URL(fileURLWithPath: out), options: .atomic)
                FileHandle.standardError.write(Data("\(out): \(label.bytes.count) bytes of \(language.rawValue) (\(m.rawValue))\n".utf8))
            } else {
                FileHandle.standardOutput.write(Data(label.bytes))
            }
        }
    }
}
