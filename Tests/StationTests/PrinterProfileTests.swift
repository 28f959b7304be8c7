import Barcodes
import Devices
import Foundation
import Labels
import Testing
@testable import Station
import Trace

/// A printer named with a profile from Drivers/ takes the profile's language and resolution where
/// the configuration does not set them, and a label wider than the profile's printhead is refused.
@Suite struct PrinterProfileTests {
    static let root = ConfigTests.packageRoot

    func config(_ sets: [String]) throws -> StationConfig {
        let dir = StationProcess.temporaryDirectory()
        return try StationConfig.load(file: nil, environment: [:], overrides: [
            "data.dir=\(dir.path)", "labels.templates_dir=\(Self.root.appendingPathComponent("Config/templates").path)",
            "printers.receipt.driver=virtual", "printers.receipt.profile=epson-tm", "printers.receipt.mode=raster",
        ] + sets)
    }

    @Test func anEpsonTMProfileMeansESCPOSAt180DotsPerInchUnlessTheConfigurationSaysOtherwise() throws {
        let c = try config([])
        let p = try #require(try PrinterSetup.make(c)["receipt"])
        #expect(p.language == .escpos && p.dpi == 180)
        let explicit = try #require(try PrinterSetup.make(try config(["printers.receipt.dpi=203"]))["receipt"])
        #expect(explicit.language == .escpos && explicit.dpi == 203)
        #expect(throws: (any Error).self) { try PrinterSetup.make(try config(["printers.receipt.language=zpl"])) }
    }

    @Test func labelsForA180DotsPerInchHeadAreDrawnForItAndStillDecode() throws {
        let c = try config([])
        let trace = try TraceServices(config: c)
        let product = try trace.catalog.addProduct(Product(gtin: "8938512345017", name: "Miến dong Na Rì", producer: "HTX Na Rì",
                                                           producerGLN: "8938512340005", shelfLifeDays: 364))
        let batch = try trace.catalog.createBatch(gtin: product.gtin, lot: "TM1", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 10)
        let printer = try #require(try PrinterSetup.make(c)["receipt"])
        let factory = try LabelFactory.forPrinter(printer, config: c, product: product, batch: batch, tagger: trace.tagger)
        #expect(factory.template.resolution == .dpi180)
        let bitmap = try factory.bitmap(serial: "TM180TEST2")
        #expect(bitmap.width == PrintResolution.dpi180.dots(factory.template.widthMM), "50 mm at 180 dpi is \(bitmap.width) dots")
        let link = try factory.data(serial: "TM180TEST2").digitalLink
        #expect(BarcodeDecoder().decode(bitmap.grayImage()).first { $0.symbology == .qrCode }?.text == link)
    }

    @Test func aLabelWiderThanTheProfilesPrintheadIsRefusedNamingBoth() throws {
        let c = try config([])
        let trace = try TraceServices(config: c)
        let carton = try trace.catalog.addProduct(Product(gtin: "8938512345024", name: "Thùng miến", producer: "HTX Na Rì",
                                                          producerGLN: "8938512340005", template: "carton-100x70", shelfLifeDays: 364))
        let batch = try trace.catalog.createBatch(gtin: carton.gtin, lot: "TM2", productionDate: "2025-03-14", expiryDate: nil, plannedQuantity: 10)
        let printer = try #require(try PrinterSetup.make(c)["receipt"])
        do {
            _ = try LabelFactory.forPrinter(printer, config: c, product: carton, batch: batch, tagger: trace.tagger)
            Issue.record("a 100 mm label was accepted for an 80 mm printer")
        } catch let e as LabelFactoryError {
            #expect("\(e)".contains("100.0 mm wide") && "\(e)".contains("80.0 mm") && "\(e)".contains("receipt"), "\(e)")
        }
        // A printhead the station cannot draw for is refused too, not given a 203 dpi label.
        let odd = try #require(try PrinterSetup.make(try config(["printers.receipt.dpi=150"]))["receipt"])
        #expect(throws: LabelFactoryError.self) {
            try LabelFactory.forPrinter(odd, config: c, product: carton, batch: batch, tagger: trace.tagger)
        }
    }
}
