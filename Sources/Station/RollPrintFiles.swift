import Foundation
import Labels
import PrintShop
import Trace

/// The files a print shop gets for a roll: a PDF (vector, exact size, crop marks), the same
/// stamps as one ZPL stream (raster, the station's own ZPL path) and a CSV manifest.
public struct RollPrintFiles: Sendable {
    public let pdf: URL
    public let zpl: URL
    public let manifest: URL
    public let pages: Int
    public let stamps: Int

    /// How the PDF lays the stamps out.
    public struct Options: Sendable {
        public var form: SheetLayout.Form = .a4
        public var gapMM: Double = 3
        public var marginMM: Double = 12
        /// Printhead resolution the stamps are composed for (ZPL) and drawn at (PDF geometry);
        /// nil = the template's.
        public var dpi: Int?
        public init() {}
    }

    /// A roll template loaded, checked and laid out: made before a roll is issued, so a template
    /// or layout that cannot work stops the command before any serial is allocated.
    public struct Plan {
        let renderer: LabelRenderer
        let layout: SheetLayout

        public init(template name: String, templatesDirectory: URL?, options: Options = Options()) throws {
            let file = try LabelFactory.templateFile(named: name, directory: templatesDirectory)
            var template: LabelTemplate
            do {
                template = try LabelTemplate.load(contentsOf: file.path)
                if let dpi = options.dpi {
                    guard let res = PrintResolution(rawValue: dpi) else { throw LabelFactoryError.template("--dpi must be 180, 203, 300 or 600") }
                    if res != template.resolution { template = try template.retargeted(to: res) }
                }
                renderer = try LabelRenderer(layout: try LabelLayout(template))
            } catch let e as LabelFactoryError { throw e } catch {
                throw LabelFactoryError.template("\(error)")
            }
            layout = try SheetLayout(form: options.form, stampWidthMM: template.widthMM, stampHeightMM: template.heightMM,
                                     gapMM: options.gapMM, marginMM: options.marginMM)
        }
    }

    /// Writes `roll-<id>.pdf`, `roll-<id>.zpl` and `roll-<id>.csv` into `directory`. `product` is
    /// the roll's product; nil for a province roll, whose stamps name the province instead.
    public static func write(roll: StampRoll, stamps: [RollStamp], product: Product?, plan: Plan, to directory: URL) throws -> RollPrintFiles {
        let renderer = plan.renderer, layout = plan.layout
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PrintShopError.cannotWrite(path: directory.path, reason: error.localizedDescription)
        }
        let base = directory.appendingPathComponent("roll-\(roll.id)")
        let pdfURL = base.appendingPathExtension("pdf"), zplURL = base.appendingPathExtension("zpl"), csvURL = base.appendingPathExtension("csv")
        // A province roll's stamps go on any product: the product line names the province.
        let name = product?.name ?? (roll.province.isEmpty ? "Tem in sẵn của tỉnh" : "Tem in sẵn · \(roll.province)")
        let pdf = try StampSheetPDF(path: pdfURL.path, layout: layout,
                                    title: "Cuộn tem số \(roll.id) · \(name) · \(stamps.count) tem")
        var zpl: [UInt8] = []
        // Page and top-left corner (mm) of each stamp, for checking the print stamp by stamp.
        var csv = "position,serial,url,tag,page,x_mm,y_mm\n"
        let pages = layout.pages(for: stamps.count)
        for (i, s) in stamps.enumerated() {
            let link: String, elements: String
            if let giai = s.giai {
                link = try ProvinceStampCode.link(resolver: roll.resolver, giai: giai, tag: s.tag)
                elements = try ProvinceStampCode.elementString(giai: giai, tag: s.tag)
            } else {
                link = try StampCode.rollLink(resolver: roll.resolver, gtin: s.gtin, serial: s.serial, tag: s.tag)
                elements = try StampCode.rollElementString(gtin: s.gtin, serial: s.serial, tag: s.tag)
            }
            let data = LabelData(digitalLink: link, elementString: elements,
                                 productName: name, producer: product?.producer ?? roll.province, producerAddress: product?.producerAddress ?? "",
                                 serial: s.serial, tag: s.tag, gtin: s.gtin, extras: ["province": roll.province])
            let composed: ComposedLabel
            do {
                composed = try renderer.compose(data)
                zpl += ZPLEncoder.raster(try renderer.rasterize(composed))
            } catch {
                throw LabelFactoryError.render("\(error)")
            }
            let page = i / layout.perPage
            let last = min(stamps.count, (page + 1) * layout.perPage)
            try pdf.add(composed, caption: "Cuộn tem số \(roll.id) · \(name) · tem \(page * layout.perPage + 1)–\(last)/\(stamps.count) · trang \(page + 1)/\(pages) · cắt theo dấu cắt")
            let (x, y) = layout.stampOrigin(i % layout.perPage)
            csv += "\(s.position),\(s.serial),\(link),\(s.tag),\(page + 1),\(Self.mm(x)),\(Self.mm(y))\n"
        }
        let written = try pdf.finish()
        do {
            try Data(zpl).write(to: zplURL, options: .atomic)
            try Data(csv.utf8).write(to: csvURL, options: .atomic)
        } catch {
            throw PrintShopError.cannotWrite(path: base.path, reason: error.localizedDescription)
        }
        return RollPrintFiles(pdf: pdfURL, zpl: zplURL, manifest: csvURL, pages: written, stamps: stamps.count)
    }

    /// Millimetres with two decimals, as the manifest writes them.
    static func mm(_ v: Double) -> String {
        let hundredths = Int((v * 100).rounded())
        return "\(hundredths / 100).\(String(hundredths % 100 + 100).dropFirst())"
    }
}
