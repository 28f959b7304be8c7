import Foundation
import Labels

/// The sample stamp of the mission brief and helpers shared by the suites.
enum Samples {
    static let digitalLink = "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313"

    /// The sample stamp's data (MISSION.md).
    static let stamp = LabelData(
        digitalLink: digitalLink,
        elementString: "01089385123450171726031310MD250314A\u{1D}21K7QM2X9PA4",
        productName: "Miến dong Na Rì",
        producer: "HTX Miến dong Côn Minh, Na Rì, Bắc Kạn",
        producerAddress: "Thôn Nà Quang, xã Côn Minh, huyện Na Rì, tỉnh Bắc Kạn",
        lot: "MD250314A",
        productionDate: CalendarDate(year: 2025, month: 3, day: 14),
        expiryDate: CalendarDate(year: 2026, month: 3, day: 13),
        serial: "K7QM2X9PA4", tag: "7QM2", gtin: "08938512345017", sscc: "089385123400000018",
        extras: ["quantity": "24 gói × 500 g"])

    /// A serial with '/', '+' and '%', which the Digital Link must percent-encode.
    static let awkwardSerial = "A/7+Q%2"
    static let awkwardLink = "https://txng.hue.gov.vn/01/08938512345024/10/TT250901/21/A%2F7%2BQ%252?17=251231"

    static let thanhTra = LabelData(
        digitalLink: awkwardLink,
        elementString: "01089385123450241725123110TT250901\u{1D}21A/7+Q%2",
        productName: "Thanh trà Huế", producer: "HTX Thanh trà Thủy Biều",
        producerAddress: "Thủy Biều, Huế", lot: "TT250901",
        productionDate: CalendarDate(year: 2025, month: 9, day: 1),
        expiryDate: CalendarDate(year: 2025, month: 12, day: 31),
        serial: awkwardSerial, tag: "Q7A2", gtin: "08938512345024", sscc: "089385123400000025",
        extras: ["quantity": "12 quả"])

    /// A carton of 24 stamps: its own Digital Link (the SSCC) and the products' element string.
    static var carton: LabelData {
        var d = stamp
        d.digitalLink = "https://txng.backan.gov.vn/00/089385123400000018"
        return d
    }

    /// The data each template is exercised with.
    static func data(for template: String) -> LabelData {
        switch template {
        case "thanh-tra-40x40": return thanhTra
        case "carton-100x70": return carton
        default: return stamp
        }
    }

    /// The same stamp with ASCII text, for checks with ZPL renderers whose fonts lack Vietnamese.
    static var asciiStamp: LabelData {
        var d = stamp
        d.productName = "Mien dong Na Ri"
        d.producer = "HTX Mien dong Con Minh, Na Ri, Bac Kan"
        d.producerAddress = "Thon Na Quang, xa Con Minh, Na Ri, Bac Kan"
        d.extras = ["quantity": "24 goi x 500 g"]
        return d
    }

    static let templateNames = ["mien-dong-50x30", "thanh-tra-40x40", "carton-100x70"]

    /// `<package root>/Config/templates`, found from this file's real path.
    static var templatesDirectory: URL {
        packageRoot.appendingPathComponent("Config/templates")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func template(_ name: String) throws -> LabelTemplate {
        try LabelTemplate.load(contentsOf: templatesDirectory.appendingPathComponent("\(name).toml").path)
    }
}
