import Foundation
import Testing
@testable import Devices

/// HID POS scanners: report descriptors (HID 1.11 §6.2.2) and the Bar Code Scanner page 0x8C of
/// the HID Point of Sale Usage Tables: Scanned Data Report 0x12, Symbology Identifier 1–3
/// 0xFB–0xFD, Decoded Data 0xFE, Decode Data Continued 0xFF; Byte Count is Generic Desktop 0x3B.
@Suite struct ScannerHIDPOSTests {
    /// A scanner's descriptor in the common 64-byte layout: report 2 = byte count, AIM ×3,
    /// data ×56, vendor ×2, continued flag; report 4 = trigger (output).
    static let commonDescriptor: [UInt8] = [
        0x05, 0x8C,                    // Usage Page (Bar Code Scanner)
        0x09, 0x02,                    // Usage (Bar Code Scanner)
        0xA1, 0x01,                    // Collection (Application)
        0x09, 0x12,                    //   Usage (Scanned Data Report)
        0xA1, 0x02,                    //   Collection (Logical)
        0x85, 0x02,                    //     Report ID (2)
        0x15, 0x00,                    //     Logical Minimum (0)
        0x26, 0xFF, 0x00,              //     Logical Maximum (255)
        0x75, 0x08,                    //     Report Size (8)
        0x95, 0x01,                    //     Report Count (1)
        0x05, 0x01,                    //     Usage Page (Generic Desktop)
        0x09, 0x3B,                    //     Usage (Byte Count)
        0x81, 0x02,                    //     Input (Data, Variable, Absolute)
        0x95, 0x03,                    //     Report Count (3)
        0x05, 0x8C,                    //     Usage Page (Bar Code Scanner)
        0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD, // Usage (Symbology Identifier 1, 2, 3)
        0x81, 0x02,                    //     Input (Data, Variable, Absolute)
        0x95, 0x38,                    //     Report Count (56)
        0x09, 0xFE,                    //     Usage (Decoded Data)
        0x82, 0x02, 0x01,              //     Input (Data, Variable, Absolute, Buffered Bytes)
        0x06, 0x66, 0xFF,              //     Usage Page (vendor defined 0xFF66)
        0x95, 0x02,                    //     Report Count (2)
        0x09, 0x04, 0x09, 0x00,        //     Usage (vendor 4, 0)
        0x81, 0x02,                    //     Input (Data, Variable, Absolute)
        0x05, 0x8C,                    //     Usage Page (Bar Code Scanner)
        0x25, 0x01,                    //     Logical Maximum (1)
        0x75, 0x01,                    //     Report Size (1)
        0x95, 0x08,                    //     Report Count (8)
        0x09, 0xFF,                    //     Usage (Decode Data Continued)
        0x81, 0x02,                    //     Input (Data, Variable, Absolute)
        0xC0,                          //   End Collection
        0x09, 0x14,                    //   Usage (Trigger Report)
        0xA1, 0x02,                    //   Collection (Logical)
        0x85, 0x04,                    //     Report ID (4)
        0x95, 0x08,                    //     Report Count (8)
        0x09, 0x00, 0x09, 0x5F, 0x09, 0x60, // Usage (Undefined, Prevent Read of Barcodes, Initiate Barcode Read)
        0x91, 0x86,                    //     Output (Data, Variable, Relative, Volatile)
        0xC0,                          //   End Collection
        0xC0,                          // End Collection
    ]

    /// No report IDs, no byte count, 32 data bytes, continued flag in bit 3 of the last byte.
    static let compactDescriptor: [UInt8] = [
        0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x12, 0xA1, 0x02,
        0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x03, 0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD, 0x81, 0x02,
        0x95, 0x20, 0x09, 0xFE, 0x82, 0x02, 0x01,
        0x75, 0x01, 0x95, 0x03, 0x81, 0x03,              // 3 constant padding bits
        0x25, 0x01, 0x95, 0x01, 0x09, 0xFF, 0x81, 0x02,  // Decode Data Continued at bit 3
        0x95, 0x04, 0x81, 0x03,                          // 4 padding bits
        0xC0, 0xC0,
    ]

    /// HID 1.11 Appendix B.1 boot keyboard descriptor.
    static let keyboardDescriptor: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
    ]

    @Test func commonDescriptorGivesTheCommonLayout() throws {
        let descriptor = try HIDReportDescriptor(parsing: Self.commonDescriptor)
        #expect(descriptor.usesReportIDs)
        #expect(descriptor.reportLength(kind: .input, reportID: 2) == 64)
        #expect(descriptor.reportLength(kind: .output, reportID: 4) == 2)
        #expect(try HIDPOSReportLayout(descriptor: descriptor) == .common)
        #expect(HIDPOSReportLayout.resolve(descriptor: Self.commonDescriptor) == (.common, true))
    }

    @Test func compactDescriptorIsReadFromTheDescriptor() throws {
        let layout = try HIDPOSReportLayout(descriptor: HIDReportDescriptor(parsing: Self.compactDescriptor))
        #expect(layout == HIDPOSReportLayout(reportID: nil, minimumLength: 36, byteCountOffset: nil, symbologyOffsets: [0, 1, 2],
                                             dataOffset: 3, dataCapacity: 32, continuedOffset: 35, continuedMask: 0x08))
    }

    @Test func keyboardDescriptorFields() throws {
        let descriptor = try HIDReportDescriptor(parsing: Self.keyboardDescriptor)
        #expect(!descriptor.usesReportIDs)
        #expect(descriptor.reportLength(kind: .input, reportID: nil) == 8)
        #expect(descriptor.reportLength(kind: .output, reportID: nil) == 1)
        let modifiers = try #require(descriptor.fields.first)
        #expect(modifiers.usages == [0x0007_00E0...0x0007_00E7] && modifiers.bitSize == 1 && modifiers.count == 8)
        #expect(modifiers.usage(ofElement: 6) == 0x0007_00E6, "element 6 is Right Alt")
        let keys = try #require(descriptor.fields.last)
        #expect(keys.kind == .input && !keys.isVariable && keys.bitOffset == 16 && keys.count == 6)
        #expect(throws: HIDPOSLayoutError.noDecodedData) { try HIDPOSReportLayout(descriptor: descriptor) }
    }

    struct DescriptorCase: Sendable, CustomTestStringConvertible {
        let id: Int
        let bytes: [UInt8]
        let error: HIDReportDescriptorError
        var testDescription: String { "#\(id)" }
    }

    static let badDescriptors: [DescriptorCase] = [
        DescriptorCase(id: 1, bytes: [0x05, 0x8C, 0x26, 0xFF], error: .truncated(offset: 2)),
        DescriptorCase(id: 2, bytes: [0xB4], error: .unbalancedPop(offset: 0)),
        DescriptorCase(id: 3, bytes: [0x29, 0x05], error: .invalidValue(item: "Usage Maximum without Usage Minimum", value: 5)),
        DescriptorCase(id: 4, bytes: [0x19, 0x05, 0x29, 0x01], error: .invalidValue(item: "Usage Maximum below Usage Minimum", value: 1)),
        DescriptorCase(id: 5, bytes: [0x85, 0x00], error: .invalidValue(item: "Report ID", value: 0)),
        DescriptorCase(id: 6, bytes: [0xFE, 0x05], error: .truncated(offset: 0)),
    ]

    @Test(arguments: badDescriptors)
    func malformedDescriptorsThrow(_ item: DescriptorCase) {
        #expect(throws: item.error) { try HIDReportDescriptor(parsing: item.bytes) }
    }

    @Test func unusableDescriptorsFallBackToTheCommonLayout() throws {
        // A descriptor that names no Decoded Data field (the vendor usage 0x8A), one with 16-bit
        // data elements, one that does not parse, and none at all.
        let vendor: [UInt8] = [0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x12, 0xA1, 0x02, 0x85, 0x02, 0x15, 0x00,
                               0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x40, 0x09, 0x8A, 0x81, 0x02, 0xC0, 0xC0]
        let wide: [UInt8] = [0x05, 0x8C, 0x75, 0x10, 0x95, 0x10, 0x09, 0xFE, 0x81, 0x02]
        #expect(throws: HIDPOSLayoutError.unsupported("Decoded Data elements of 16 bits at bit 0")) {
            try HIDPOSReportLayout(descriptor: HIDReportDescriptor(parsing: wide))
        }
        for bytes in [vendor, wide, [0x05], nil] as [[UInt8]?] {
            #expect(HIDPOSReportLayout.resolve(descriptor: bytes) == (.common, false))
        }
    }

    // MARK: Reassembly

    /// A report in the common layout.
    static func report(_ symbology: [UInt8], _ data: [UInt8], continued: Bool = false, count: Int? = nil, id: UInt8 = 2) -> [UInt8] {
        var report = [UInt8](repeating: 0, count: 64)
        report[0] = id
        report[1] = UInt8(count ?? data.count)
        for (index, byte) in symbology.prefix(3).enumerated() { report[2 + index] = byte }
        for (index, byte) in data.prefix(56).enumerated() { report[5 + index] = byte }
        report[61] = 0x31  // vendor code-ID byte: must not leak into the data
        report[63] = continued ? 0x01 : 0x00
        return report
    }

    /// `text` split over as many reports as it needs, Decode Data Continued on all but the last.
    static func reports(_ aim: String, _ text: String) -> [[UInt8]] {
        let bytes = Array(text.utf8)
        let chunks = stride(from: 0, to: max(bytes.count, 1), by: 56).map { Array(bytes[$0..<min($0 + 56, bytes.count)]) }
        return chunks.enumerated().map { index, chunk in
            report(Array(aim.utf8), chunk, continued: index < chunks.count - 1)
        }
    }

    static let digitalLink = "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313&linkType=gs1%3Apip"
    static let elementString = "0108938512345017" + "17260313" + "10MD250314A" + "\u{1D}" + "21K7QM2X9PA4"

    struct Case: Sendable, CustomTestStringConvertible {
        let id: Int
        let reports: [[UInt8]]
        let expected: [DecodedScan]
        let spec: String
        var testDescription: String { "#\(id): \(spec)" }
    }

    static let cases: [Case] = [
        Case(id: 1, reports: reports("]Q1", "https://x.vn/01/1"), expected: [scan("https://x.vn/01/1", "]Q1")], spec: "one report"),
        Case(id: 2, reports: reports("]Q1", digitalLink), expected: [scan(digitalLink, "]Q1")],
             spec: "\(digitalLink.utf8.count) bytes over \(reports("]Q1", digitalLink).count) reports (Decode Data Continued)"),
        Case(id: 3, reports: reports("]d2", elementString), expected: [scan(elementString, "]d2")], spec: "GS1 DataMatrix with GS"),
        Case(id: 4, reports: [reports("]Q1", digitalLink)[0], [4, 0x40], reports("]Q1", digitalLink)[1]] + Array(reports("]Q1", digitalLink).dropFirst(2)),
             expected: [scan(digitalLink, "]Q1")], spec: "a report with another ID in between is ignored"),
        Case(id: 5, reports: [Array(report([], Array("ab".utf8)).prefix(10))], expected: [rejected(.malformedReport("scanned data report of 10 bytes, expected 64"), "")],
             spec: "short report"),
        Case(id: 6, reports: [report(Array("]Q1".utf8), Array("ab".utf8), count: 57)],
             expected: [rejected(.malformedReport("byte count 57 exceeds the 56-byte data field"), "")], spec: "byte count beyond the field"),
        Case(id: 7, reports: [report(Array("]E0".utf8), Array("9789604123456\r\n".utf8))], expected: [scan("9789604123456", "]E0")],
             spec: "a CRLF suffix configured on the scanner is dropped"),
        Case(id: 8, reports: [report([0x51, 0x31, 0x00], Array("abc".utf8))], expected: [scan("abc", "]Q1")],
             spec: "symbology sent as code, modifier, NUL"),
        Case(id: 9, reports: [report([0, 0, 0], Array("]C1011234".utf8))], expected: [scan("011234", "]C1")],
             spec: "no symbology field; the identifier is at the start of the data"),
        Case(id: 10, reports: [report(Array("]Q1".utf8), Array("]Q1abc".utf8))], expected: [scan("abc", "]Q1")],
             spec: "identifier in the field and again in the data is stripped once"),
        Case(id: 11, reports: [report(Array("]Q1".utf8), [0x61, 0xC3, 0x28])], expected: [rejected(.invalidUTF8(offset: 1), bytes: [0x61, 0xC3, 0x28])],
             spec: "invalid UTF-8"),
        Case(id: 12, reports: [report([], [])], expected: [], spec: "an empty report is no scan"),
        Case(id: 13, reports: [report(Array("]Q1".utf8), Array("first".utf8)), report(Array("]Q1".utf8), Array("second".utf8))],
             expected: [scan("first", "]Q1"), scan("second", "]Q1")], spec: "consecutive scans"),
    ]

    @Test(arguments: cases)
    func reassemblesTable(_ item: Case) {
        var oneByOne = HIDPOSDecoder(configuration: .init())
        let separate = item.reports.enumerated().flatMap { index, report in oneByOne.feed(report: report, at: .milliseconds(index)) }
        #expect(separate == item.expected, "report by report")
        var allAtOnce = HIDPOSDecoder(configuration: .init())
        #expect(allAtOnce.feed(reports: item.reports, at: .zero) == item.expected, "all at once")
        #expect(oneByOne.state == .idle)
    }

    @Test func compactLayoutReassembles() throws {
        let layout = try HIDPOSReportLayout(descriptor: HIDReportDescriptor(parsing: Self.compactDescriptor))
        func report(_ text: String, continued: Bool) -> [UInt8] {
            var bytes = Array("]d2".utf8) + Array(text.utf8)
            bytes += [UInt8](repeating: 0, count: 35 - bytes.count)
            return bytes + [continued ? 0x08 : 0x00]
        }
        var decoder = HIDPOSDecoder(configuration: .init(layout: layout))
        let output = decoder.feed(reports: [report("0108938512345017172603131", continued: true), report("0MD250314A", continued: false)], at: .zero)
        #expect(output == [scan("01089385123450171726031310MD250314A", "]d2")], "trailing NULs are padding without a byte count")
    }

    @Test func missingContinuationIsIncomplete() {
        var decoder = HIDPOSDecoder(configuration: .init(framing: ScanFraming(interCharacterTimeout: .milliseconds(100))))
        let parts = Self.reports("]Q1", Self.digitalLink)
        #expect(decoder.feed(report: parts[0], at: .zero).isEmpty)
        #expect(decoder.advance(to: .milliseconds(100)).isEmpty)
        #expect(decoder.advance(to: .milliseconds(101)) == [rejected(.incomplete, String(Self.digitalLink.prefix(56)))])
        // The next scan starts clean.
        #expect(decoder.feed(reports: Self.reports("]Q1", "x"), at: .seconds(1)) == [scan("x", "]Q1")])
        #expect(decoder.feed(report: parts[0], at: .seconds(2)).isEmpty)
        #expect(decoder.finish() == [rejected(.incomplete, String(Self.digitalLink.prefix(56)))], "unplugged mid-scan")
    }

    @Test func overlongMultiReportScanIsOneRejection() {
        var decoder = HIDPOSDecoder(configuration: .init(framing: ScanFraming(maxLength: 100)))
        let text = String(repeating: "0123456789", count: 20)
        let output = decoder.feed(reports: Self.reports("]Q1", text) + Self.reports("]Q1", "ok"), at: .zero)
        #expect(output == [rejected(.tooLong(limit: 100), String(text.prefix(64))), scan("ok", "]Q1")])
    }
}
