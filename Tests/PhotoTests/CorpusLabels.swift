import Barcodes
import Foundation
import Labels
import Testing

/// The real stamp labels the photo corpus is made from: rendered by `Labels` from the templates in
/// `Config/templates`, with random serials and tags fixed by a seed.
///
/// `PHOTO_CORPUS_WRITE_LABELS=1 swift test --filter CorpusLabelTests` writes them to
/// `PhotoCorpus/labels/` (step 1 of `PhotoCorpus/generate.sh`); the photos are made from those
/// files by `make_photos.py`.
enum CorpusLabels {
    struct Code: Codable, Equatable {
        /// `Symbology.rawValue` of the symbol (`QR-Code`, `DataMatrix`, `GS1-128`).
        var symbology: String
        var text: String
    }

    struct Label: Codable {
        var id: String
        var template: String
        var file: String
        var codes: [Code]
    }

    /// SplitMix64: a small, well-known generator whose sequence is the same on every machine.
    struct Seeded: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let seed: UInt64 = 20_250_314
    /// The station's serial alphabet (no 0/1/I/O, which inspectors misread).
    static let alphabet = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let stampCount = 48

    static var corpusDirectory: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("PhotoCorpus")
    }

    static var templatesDirectory: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Config/templates")
    }

    /// A Data Matrix-only label (what a carton's element-string symbol looks like on its own).
    static let dataMatrixTemplate = """
        name = "datamatrix-30x30"
        width_mm = 30
        height_mm = 30
        dpi = 203

        [[element]]
        type = "datamatrix"
        name = "dm"
        x_mm = 4
        y_mm = 2
        size_mm = 22
        field = "element_string"
        max_length = 60

        [[element]]
        type = "text"
        name = "lot"
        x_mm = 2
        y_mm = 25.5
        max_width_mm = 26
        content = "Lô {lot}"
        font_pt = 7
        align = "center"
        """

    static func random(_ n: Int, _ g: inout Seeded) -> String {
        String((0..<n).map { _ in alphabet[Int(g.next() % UInt64(alphabet.count))] })
    }

    /// GS1 mod-10 check digit of `digits` (the key without its check digit).
    static func checkDigit(_ digits: String) -> Character {
        var sum = 0
        for (i, c) in digits.reversed().enumerated() { sum += c.wholeNumberValue! * (i % 2 == 0 ? 3 : 1) }
        return Character(String((10 - sum % 10) % 10))
    }

    /// Every label of the corpus with its data, in a fixed order.
    static func all() throws -> [(Label, LabelTemplate, LabelData)] {
        var g = Seeded(state: seed)
        let mienDong = try LabelTemplate.load(contentsOf: templatesDirectory.appendingPathComponent("mien-dong-50x30.toml").path)
        let thanhTra = try LabelTemplate.load(contentsOf: templatesDirectory.appendingPathComponent("thanh-tra-40x40.toml").path)
        let carton = try LabelTemplate.load(contentsOf: templatesDirectory.appendingPathComponent("carton-100x70.toml").path)
        let dataMatrix = try LabelTemplate(toml: dataMatrixTemplate, source: "datamatrix-30x30")
        var out: [(Label, LabelTemplate, LabelData)] = []

        for i in 0..<stampCount {
            let serial = random(10, &g)
            let tag = random(8, &g)
            let isPomelo = i % 3 == 2
            var d: LabelData
            if isPomelo {
                let lot = "TT2509\(String(format: "%02d", 1 + Int(g.next() % 28)))"
                d = LabelData(productName: "Thanh trà Huế", producer: "HTX Thanh trà Thủy Biều",
                              producerAddress: "Thủy Biều, Huế", lot: lot,
                              productionDate: CalendarDate(year: 2025, month: 9, day: 1),
                              expiryDate: CalendarDate(year: 2025, month: 12, day: 31),
                              serial: serial, tag: tag, gtin: "08938512345024")
                d.digitalLink = "https://txng.hue.gov.vn/01/08938512345024/10/\(lot)/21/\(serial)?17=251231&92=\(tag)"
            } else {
                let lot = "MD2503\(String(format: "%02d", 1 + Int(g.next() % 28)))A"
                d = LabelData(productName: "Miến dong Na Rì", producer: "HTX Miến dong Côn Minh, Na Rì, Bắc Kạn",
                              producerAddress: "Côn Minh, Na Rì, Bắc Kạn", lot: lot,
                              productionDate: CalendarDate(year: 2025, month: 3, day: 14),
                              expiryDate: CalendarDate(year: 2026, month: 3, day: 13),
                              serial: serial, tag: tag, gtin: "08938512345017")
                d.digitalLink = "https://txng.backan.gov.vn/01/08938512345017/10/\(lot)/21/\(serial)?17=260313&92=\(tag)"
            }
            let template = isPomelo ? thanhTra : mienDong
            let id = String(format: "stamp-%02d", i + 1)
            out.append((Label(id: id, template: template.name, file: "\(id).png",
                              codes: [Code(symbology: Symbology.qrCode.rawValue, text: d.digitalLink)]), template, d))
        }

        for i in 0..<3 {
            let reference = String(format: "%09d", 100 + Int(g.next() % 900_000_000))
            let body = "0893851234\(reference.prefix(7))"
            let sscc = body + String(checkDigit(body))
            let lot = "MD2503\(String(format: "%02d", 1 + i * 9))A"
            let count = 24
            let elementString = "010893851234501717260313" + "10" + lot + "\u{1D}37\(count)"
            let d = LabelData(digitalLink: "https://txng.backan.gov.vn/00/\(sscc)", elementString: elementString,
                              productName: "Miến dong Na Rì", producer: "HTX Miến dong Côn Minh",
                              producerAddress: "Côn Minh, Na Rì, Bắc Kạn", lot: lot,
                              expiryDate: CalendarDate(year: 2026, month: 3, day: 13), gtin: "08938512345017", sscc: sscc,
                              extras: ["quantity": "\(count) gói × 500 g"])
            let id = "carton-\(i + 1)"
            out.append((Label(id: id, template: carton.name, file: "\(id).png", codes: [
                Code(symbology: Symbology.qrCode.rawValue, text: d.digitalLink),
                Code(symbology: Symbology.dataMatrix.rawValue, text: elementString),
                Code(symbology: Symbology.gs1_128.rawValue, text: "00" + sscc),
            ]), carton, d))
        }

        for i in 0..<2 {
            let lot = "MD2504\(String(format: "%02d", 2 + i * 11))A"
            let serial = random(10, &g)
            let elementString = "0108938512345017" + "17260413" + "10" + lot + "\u{1D}21" + serial
            let d = LabelData(elementString: elementString, lot: lot)
            let id = "datamatrix-\(i + 1)"
            out.append((Label(id: id, template: dataMatrix.name, file: "\(id).png",
                              codes: [Code(symbology: Symbology.dataMatrix.rawValue, text: elementString)]), dataMatrix, d))
        }
        return out
    }

    static func render(_ template: LabelTemplate, _ data: LabelData) throws -> LabelBitmap {
        try LabelRenderer(layout: try LabelLayout(template)).render(data)
    }

    static func readManifest() throws -> [Label] {
        let data = try Data(contentsOf: corpusDirectory.appendingPathComponent("labels/labels.json"))
        return try JSONDecoder().decode([Label].self, from: data)
    }
}

@Suite struct CorpusLabelTests {
    /// Writes the label PNGs and `labels.json` (only when asked: the committed files are the corpus).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["PHOTO_CORPUS_WRITE_LABELS"] == "1"))
    func writeLabels() throws {
        let dir = CorpusLabels.corpusDirectory.appendingPathComponent("labels")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var labels: [CorpusLabels.Label] = []
        for (label, template, data) in try CorpusLabels.all() {
            let png = try CorpusLabels.render(template, data).pngData()
            try Data(png).write(to: dir.appendingPathComponent(label.file))
            labels.append(label)
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try enc.encode(labels).write(to: dir.appendingPathComponent("labels.json"))
    }

    /// Every committed label carries exactly the codes its manifest entry lists: the expected texts
    /// of the photo corpus are facts about the labels, not copies of what the decoder returned.
    @Test func committedLabelsCarryTheirManifestCodes() throws {
        let labels = try CorpusLabels.readManifest()
        #expect(labels.count == CorpusLabels.stampCount + 5)
        let decoder = PhotoDecoder(limits: PhotoDecodeLimits(timeBudget: 120), dataMatrix: .always, exhaustive: true)
        for label in labels {
            let bytes = try [UInt8](Data(contentsOf: CorpusLabels.corpusDirectory.appendingPathComponent("labels/\(label.file)")))
            let result = try decoder.decode(bytes)
            let got = result.symbols.map { CorpusLabels.Code(symbology: $0.symbology.rawValue, text: $0.text ?? "") }
            #expect(Set(got.map(\.text)) == Set(label.codes.map(\.text)), "\(label.id)")
            #expect(Set(got.map(\.symbology)) == Set(label.codes.map(\.symbology)), "\(label.id)")
        }
    }

    /// The committed labels are the ones the seed produces (same ids, same codes).
    @Test func manifestMatchesTheSeededGenerator() throws {
        let committed = try CorpusLabels.readManifest()
        let generated = try CorpusLabels.all().map(\.0)
        #expect(committed.map(\.id) == generated.map(\.id))
        #expect(committed.map(\.codes) == generated.map(\.codes))
    }
}
