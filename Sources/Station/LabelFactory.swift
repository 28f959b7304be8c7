import Devices
import Foundation
import Labels
import Trace

/// How a label reaches paper: the station draws it (raster, exact and Vietnamese-safe on any
/// printer) or the printer draws it from commands (native, small payloads).
public enum LabelMode: String, Sendable, Codable, CaseIterable { case raster, native }

public enum LabelFactoryError: Error, CustomStringConvertible {
    case templateNotFound(name: String, searched: [String])
    case template(String)
    case render(String)

    public var description: String {
        switch self {
        case .templateNotFound(let n, let dirs): return "label template \"\(n)\" not found in \(dirs.joined(separator: ", ")); set labels.templates_dir or the product's template"
        case .template(let m): return "label template: \(m)"
        case .render(let m): return "cannot render the label: \(m)"
        }
    }
}

/// Turns serials of one batch into printer-ready labels. Holds FreeType caches: one per print job.
public final class LabelFactory {
    public let product: Product
    public let batch: Batch
    public let language: PrinterLanguage
    public let mode: LabelMode
    public let template: LabelTemplate
    let renderer: LabelRenderer
    let resolver: String
    let tagger: StampTagger
    /// How ZPL jobs are written (graphic field encoding).
    let zplOptions: ZPLOptions
    /// What every stamp of the batch shares, validated once; nil when the batch's own data is bad,
    /// which each label then reports.
    let codes: StampCode.Batch?
    let productionDay: CalendarDate?
    let expiryDay: CalendarDate?
    /// Raster ZPL in layers: what every stamp of the batch shares is drawn and compressed once.
    /// Set at the end of `init`: finding the changing elements needs the finished factory.
    private(set) var layers: ZPLLayeredRaster?

    public init(templatesDirectory: URL?, product: Product, batch: Batch, language: PrinterLanguage, dpi: Int,
                mode: LabelMode, resolver: String, tagger: StampTagger, zplGraphics: ZPLOptions.GraphicEncoding = .z64) throws {
        self.zplOptions = ZPLOptions(graphicEncoding: zplGraphics)
        self.product = product
        self.batch = batch
        self.language = language
        self.mode = mode
        self.resolver = resolver
        self.tagger = tagger
        codes = try? StampCode.Batch(resolver: resolver, gtin: product.gtin, lot: batch.lot, expiry: batch.expiryDate)
        productionDay = Self.day(batch.productionDate)
        expiryDay = batch.expiryDate.flatMap(Self.day)
        let file = try Self.templateFile(named: product.template, directory: templatesDirectory)
        do {
            var t = try LabelTemplate.load(contentsOf: file.path)
            if dpi != 0 {
                // A printhead the station cannot draw for must not get a label silently drawn for another one.
                guard let res = PrintResolution(rawValue: dpi) else {
                    throw LabelFactoryError.template("the printer prints at \(dpi) dpi; labels are drawn for 180, 203, 300 or 600 dpi: set the printer's dpi")
                }
                if res != t.resolution { t = try t.retargeted(to: res) }
            }
            template = t
            renderer = try LabelRenderer(layout: try LabelLayout(t))
        } catch let e as LabelFactoryError {
            throw e
        } catch let e as LabelTemplateError {
            throw LabelFactoryError.template("\(e)")
        } catch {
            throw LabelFactoryError.template("\(error)")
        }
        if mode == .raster, language == .zpl {
            // Two serials never issued show which elements change from stamp to stamp. A batch
            // whose data cannot make a label has no layers; each label then reports the problem.
            let probes = try? (renderer.compose(data(serial: "LAYERPROBE0")), renderer.compose(data(serial: "LAYERPROBE1")))
            layers = probes.flatMap { try? ZPLLayeredRaster(renderer: renderer, probes: $0.0, $0.1, encoding: zplGraphics) }
        }
    }

    /// Labels of `batch` as the configuration says `printer` takes them: its language and
    /// resolution, raster or native, its ZPL graphic encoding.
    public static func forPrinter(_ printer: any LabelPrinter, config: StationConfig, product: Product, batch: Batch,
                                  tagger: StampTagger) throws -> LabelFactory {
        let configured = config.printers.first { $0.name == printer.name }
        // A label wider than the printhead would be cut off at the edge: refuse it before a serial is spent.
        if let width = PrinterSetup.printWidthMM(printer.name, config: config),
           let template = try? LabelTemplate.load(contentsOf: try templateFile(named: product.template, directory: config.templatesDirectory).path),
           template.widthMM > width + 0.01 {
            throw LabelFactoryError.template("\(template.name) is \(template.widthMM) mm wide, but printer \(printer.name) "
                                             + "prints \(width) mm at most (its profile \(configured?.profile ?? "")): use a narrower template for this product")
        }
        return try LabelFactory(templatesDirectory: config.templatesDirectory, product: product, batch: batch, language: printer.language,
                                dpi: printer.dpi, mode: LabelMode(rawValue: configured?.mode ?? "raster") ?? .raster,
                                resolver: config.resolverBase, tagger: tagger,
                                zplGraphics: configured?.graphics == "ascii" ? .asciiCompressed : .z64)
    }

    /// Folders searched for templates: the configured one, `$STATION_TEMPLATES`, `./Config/templates`,
    /// `/usr/share/station/templates`.
    public static func searchPath(_ configured: URL?) -> [URL] {
        var dirs: [URL] = []
        if let configured { dirs.append(configured) }
        if let env = ProcessInfo.processInfo.environment["STATION_TEMPLATES"], !env.isEmpty { dirs.append(URL(fileURLWithPath: env)) }
        dirs.append(URL(fileURLWithPath: "Config/templates"))
        dirs.append(URL(fileURLWithPath: "/usr/share/station/templates"))
        return dirs
    }

    static func templateFile(named name: String, directory: URL?) throws -> URL {
        let dirs = searchPath(directory)
        let file = name.hasSuffix(".toml") ? name : name + ".toml"
        for d in dirs {
            let u = d.appendingPathComponent(file)
            if FileManager.default.fileExists(atPath: u.path) { return u }
        }
        throw LabelFactoryError.templateNotFound(name: name, searched: dirs.map(\.path))
    }

    /// The values printed on the stamp with `serial`.
    public func data(serial: String) throws -> LabelData {
        let tag = try tagger.tag(gtin14: product.gtin, serial: serial)
        let link: String, es: String
        if let codes {
            link = try codes.digitalLink(serial: serial, tag: tag)
            es = try codes.elementString(serial: serial, tag: tag)
        } else {
            link = try StampCode.digitalLink(resolver: resolver, gtin: product.gtin, lot: batch.lot, serial: serial, expiry: batch.expiryDate, tag: tag)
            es = try StampCode.elementString(gtin: product.gtin, lot: batch.lot, serial: serial, expiry: batch.expiryDate, tag: tag)
        }
        return LabelData(digitalLink: link, elementString: es, productName: product.name, producer: product.producer,
                         producerAddress: product.producerAddress, lot: batch.lot,
                         productionDate: productionDay, expiryDate: expiryDay,
                         serial: serial, tag: tag, gtin: product.gtin)
    }

    static func day(_ s: String) -> CalendarDate? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        return p.count == 3 ? CalendarDate(year: p[0], month: p[1], day: p[2]) : nil
    }

    /// The 1-bit bitmap of the label (what raster mode sends and every preview shows).
    public func bitmap(serial: String) throws -> LabelBitmap {
        do { return try renderer.render(try data(serial: serial)) } catch let e as LabelRenderError { throw LabelFactoryError.render("\(e)") }
    }

    /// Printer bytes for `serial`, with the preview bitmap when the station drew the label.
    public func label(serial: String) throws -> PrintableLabel {
        let d = try data(serial: serial)
        do {
            switch (mode, language) {
            case (.raster, .zpl):
                if let layers {
                    let (bmp, zpl) = try layers.encode(try renderer.compose(d), renderer: renderer, options: zplOptions)
                    return PrintableLabel(bytes: zpl, language: .zpl, summary: d.digitalLink) { bmp.grayImage() }
                }
                let bmp = try renderer.render(d)
                return PrintableLabel(bytes: ZPLEncoder.raster(bmp, options: zplOptions), language: .zpl, summary: d.digitalLink) { bmp.grayImage() }
            case (.raster, .escpos):
                let bmp = try renderer.render(d)
                return PrintableLabel(bytes: try ESCPOSEncoder.raster(bmp), language: .escpos, summary: d.digitalLink) { bmp.grayImage() }
            case (.native, .zpl):
                return PrintableLabel(bytes: ZPLEncoder.native(try renderer.compose(d), options: zplOptions), language: .zpl, preview: nil, summary: d.digitalLink)
            case (.native, .escpos):
                return PrintableLabel(bytes: try ESCPOSEncoder.native(try renderer.compose(d)), language: .escpos, preview: nil, summary: d.digitalLink)
            }
        } catch let e as LabelRenderError {
            throw LabelFactoryError.render("\(e)")
        } catch {
            throw LabelFactoryError.render("\(error)")
        }
    }
}
