import Barcodes
import Foundation
import Labels
import Testing
import PrintShop

/// The PDF is checked with independent tools (poppler-utils: pdftoppm, pdfinfo, pdffonts,
/// pdftotext) and its rasterised pages are decoded with zbar.
@Suite("Print-shop PDF")
struct PDFReadBackTests {
    static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func renderer() throws -> LabelRenderer {
        let t = try LabelTemplate.load(contentsOf: root.appendingPathComponent("Config/templates/roll-30x40.toml").path)
        return try LabelRenderer(layout: try LabelLayout(t))
    }

    static func label(_ r: LabelRenderer, _ i: Int) throws -> (ComposedLabel, String) {
        let serial = "RL\(String(format: "%06d", i))"
        let link = "https://txng.backan.gov.vn/01/08938512345017/21/\(serial)?92=A\(String(format: "%07d", i))"
        let data = LabelData(digitalLink: link, productName: "Miến dong Na Rì", producer: "HTX Côn Minh",
                             serial: serial, tag: "A\(String(format: "%07d", i))", gtin: "08938512345017",
                             extras: ["province": "tỉnh Bắc Kạn"])
        return (try r.compose(data), link)
    }

    static func run(_ tool: String, _ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/\(tool)")
        guard FileManager.default.isExecutableFile(atPath: p.executableURL!.path) else {
            throw ToolMissing(tool: tool)
        }
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(tool) \(args.joined(separator: " ")) failed")
        return String(decoding: data, as: UTF8.self)
    }

    struct ToolMissing: Error, CustomStringConvertible {
        let tool: String
        var description: String { "\(tool) is missing: run scripts/install-deps --test (poppler-utils)" }
    }

    /// Every page rasterised at `dpi` by pdftoppm, in order.
    static func rasterise(_ pdf: URL, dpi: Int) throws -> [GrayImage] {
        let dir = pdf.deletingLastPathComponent()
        _ = try run("pdftoppm", ["-r", String(dpi), "-gray", "-png", pdf.path, dir.appendingPathComponent("page").path])
        let pages = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".png") }.sorted()
        return try pages.map { try PNGCodec.decode(Array(try Data(contentsOf: dir.appendingPathComponent($0)))) }
    }

    /// Every page rasterised and decoded whole, page by page.
    static func decodePages(_ pdf: URL, dpi: Int) throws -> [[String]] {
        let decoder = BarcodeDecoder(symbologies: [.qrCode])
        return try rasterise(pdf, dpi: dpi).map { decoder.decode($0).compactMap(\.text).sorted() }
    }

    /// Runs `body` with a fresh directory, removed afterwards.
    static func inTemporaryDirectory(_ body: (URL) throws -> Void) throws {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("printshop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: d) }
        try body(d)
    }

    @Test("an A4 sheet PDF at exact size decodes back, page by page, to exactly the stamps' links")
    func sheetReadBack() throws {
        try Self.inTemporaryDirectory { dir in
            let r = try Self.renderer()
            let layout = try SheetLayout(form: .a4, stampWidthMM: 30, stampHeightMM: 40)
            let url = dir.appendingPathComponent("sheet.pdf")
            let pdf = try StampSheetPDF(path: url.path, layout: layout, title: "Cuộn thử")
            var links: [String] = []
            for i in 0..<37 {
                let (label, link) = try Self.label(r, i)
                links.append(link)
                try pdf.add(label, caption: "Cuộn tem thử · trang \(i / 30 + 1)")
            }
            #expect(try pdf.finish() == 2)
            let info = try Self.run("pdfinfo", [url.path])
            #expect(info.split(separator: "\n").contains { $0.hasPrefix("Pages:") && $0.hasSuffix(" 2") })
            #expect(info.contains("595.276 x 841.89 pts (A4)"))
            // Each stamp's cell (its exact place from the layout, plus 1 mm) decoded alone, in print order.
            let pages = try Self.rasterise(url, dpi: 300)
            #expect(pages.count == 2)
            let decoder = BarcodeDecoder(symbologies: [.qrCode])
            let px = { (mm: Double) in Int((mm * 300 / 25.4).rounded()) }
            var decoded: [String] = []
            for i in 0..<links.count {
                let (x, y) = layout.stampOrigin(i % layout.perPage)
                let cell = Self.crop(pages[i / layout.perPage], x: px(x - 1), y: px(y - 1), width: px(32), height: px(42))
                decoded.append(decoder.decode(cell).compactMap(\.text).joined(separator: " | "))
            }
            #expect(decoded == links)
        }
    }

    static func crop(_ image: GrayImage, x: Int, y: Int, width: Int, height: Int) -> GrayImage {
        var pixels: [UInt8] = []
        pixels.reserveCapacity(width * height)
        for row in y..<(y + height) { pixels += image.pixels[(row * image.width + x)..<(row * image.width + x + width)] }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    @Test("Vietnamese text is set in DejaVu Sans and reads back as written")
    func vietnameseText() throws {
        try Self.inTemporaryDirectory { dir in
            let r = try Self.renderer()
            let url = dir.appendingPathComponent("text.pdf")
            let pdf = try StampSheetPDF(path: url.path, layout: try SheetLayout(form: .a4, stampWidthMM: 30, stampHeightMM: 40), title: "Tiếng Việt")
            try pdf.add(try Self.label(r, 1).0, caption: "Cuộn tem số 1 · trang 1/1")
            try pdf.finish()
            let fonts = try Self.run("pdffonts", [url.path])
            #expect(fonts.contains("DejaVuSans-Bold"))
            #expect(fonts.contains("DejaVuSans "))
            let text = try Self.run("pdftotext", ["-enc", "UTF-8", url.path, "-"])
            for s in ["Miến dong Na Rì", "Tem truy xuất nguồn gốc", "Bắc Kạn", "Cuộn tem số 1 · trang 1/1"] {
                #expect(text.precomposedStringWithCanonicalMapping.contains(s), "missing \(s)")
            }
        }
    }

    @Test("a roll PDF is one page per stamp of the stamp size plus the gap, and decodes")
    func rollReadBack() throws {
        try Self.inTemporaryDirectory { dir in
            let r = try Self.renderer()
            let url = dir.appendingPathComponent("roll.pdf")
            let pdf = try StampSheetPDF(path: url.path, layout: try SheetLayout(form: .roll, stampWidthMM: 30, stampHeightMM: 40, gapMM: 3), title: "Cuộn")
            var links: [String] = []
            for i in 0..<3 {
                let (label, link) = try Self.label(r, 100 + i)
                links.append(link)
                try pdf.add(label)
            }
            #expect(try pdf.finish() == 3)
            let info = try Self.run("pdfinfo", [url.path])
            // 36 × 46 mm = 102.047 × 130.394 pt.
            #expect(info.contains("102.047 x 130.394 pts"))
            #expect(try Self.decodePages(url, dpi: 300) == links.map { [$0] })
        }
    }

    @Test("a label of another size than the layout's is refused")
    func wrongSize() throws {
        try Self.inTemporaryDirectory { dir in
            let pdf = try StampSheetPDF(path: dir.appendingPathComponent("x.pdf").path,
                                        layout: try SheetLayout(form: .a4, stampWidthMM: 50, stampHeightMM: 30), title: "x")
            #expect(throws: PrintShopError.self) { try pdf.add(try Self.label(try Self.renderer(), 1).0) }
        }
    }
}
