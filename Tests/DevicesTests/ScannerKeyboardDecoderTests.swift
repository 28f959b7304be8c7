import Foundation
import Testing
@testable import Devices

/// Keyboard-wedge decoding. Usage IDs are from the HID Usage Tables (HUT 1.5), §10
/// Keyboard/Keypad Page (0x07); the report format and modifier bits from HID 1.11 Appendix B.1
/// and §8.3; layouts as the Windows US, French (KBDFR) and German (KBDGR) layouts place them.
@Suite struct ScannerKeyboardDecoderTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: Int
        let layout: HIDKeyboardLayout
        let reports: [[UInt8]]
        let expected: [DecodedScan]
        let spec: String

        var testDescription: String { "#\(id) \(layout.id): \(spec)" }
    }

    typealias K = KeyReport
    static let enter = K.tap(0, 0x28)  // 0x28 Keyboard Return (ENTER)

    static func keys(_ modifiers: UInt8, _ usages: [UInt8]) -> [[UInt8]] { usages.flatMap { K.tap(modifiers, $0) } }
    static func altCode(_ digits: [UInt8]) -> [[UInt8]] {
        // Left Alt held (modifier bit 2) while keypad digits (0x59–0x62) are typed, then released.
        [K.down(K.leftAlt)] + digits.flatMap { [K.down(K.leftAlt, $0), K.down(K.leftAlt)] } + [K.up]
    }

    static let cases: [Case] = [
        Case(id: 1, layout: .us, reports: K.tap(0, 0x04) + enter, expected: [scan("a")], spec: "0x04 Keyboard a and A"),
        Case(id: 2, layout: .us, reports: K.tap(K.leftShift, 0x04) + enter, expected: [scan("A")], spec: "Left Shift (bit 1) + 0x04"),
        Case(id: 3, layout: .us, reports: K.tap(K.rightShift, 0x1D) + enter, expected: [scan("Z")], spec: "Right Shift (bit 5) + 0x1D z and Z"),
        Case(id: 4, layout: .us, reports: keys(0, Array(0x1E...0x27)) + enter, expected: [scan("1234567890")], spec: "0x1E–0x27 digit row"),
        Case(id: 5, layout: .us, reports: keys(K.leftShift, Array(0x1E...0x27)) + enter, expected: [scan("!@#$%^&*()")],
             spec: "shifted digit row"),
        Case(id: 6, layout: .us, reports: keys(0, [0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38]) + enter,
             expected: [scan("-=[]\\;'`,./")], spec: "0x2D–0x38 punctuation"),
        Case(id: 7, layout: .us, reports: keys(K.leftShift, [0x2D, 0x2E, 0x2F, 0x30, 0x31, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38]) + enter,
             expected: [scan("_+{}|:\"~<>?")], spec: "shifted punctuation"),
        Case(id: 8, layout: .us, reports: keys(0, [0x32, 0x64]) + enter, expected: [scan("\\\\")],
             spec: "0x32 Non-US # and 0x64 Non-US \\ type backslash on US"),
        Case(id: 9, layout: .us, reports: keys(0, Array(0x59...0x63) + [0x54, 0x55, 0x56, 0x57]) + enter,
             expected: [scan("1234567890./*-+")], spec: "keypad 0x54–0x63 with Num Lock on"),
        Case(id: 10, layout: .us, reports: keys(0, [0x04, 0x2C, 0x05]) + enter, expected: [scan("a b")], spec: "0x2C Spacebar"),
        Case(id: 11, layout: .us, reports: keys(0, [0x27, 0x1E]) + K.tap(K.leftCtrl, 0x30) + keys(0, [0x1E, 0x27]) + enter,
             expected: [scan("01\u{1D}10")], spec: "GS1 GS as Ctrl+] (Left Ctrl bit 0 + 0x30)"),
        Case(id: 12, layout: .us, reports: K.tap(0, 0x39) + K.tap(0, 0x04) + enter, expected: [scan("a")],
             spec: "0x39 Caps Lock is ignored"),
        Case(id: 13, layout: .us, reports: K.tap(0, 0x53) + K.tap(0, 0x59) + enter, expected: [scan("1")],
             spec: "0x53 Keypad Num Lock is ignored"),
        Case(id: 14, layout: .us, reports: [K.down(0, 0x04), K.down(0, 0x04), K.down(0, 0x04), K.up] + enter,
             expected: [scan("a")], spec: "a held over repeated reports types once"),
        Case(id: 15, layout: .us, reports: [K.down(0, 0x04), K.down(0, 0x04, 0x05), K.down(0, 0x05), K.up] + enter,
             expected: [scan("ab")], spec: "rollover: b pressed while a is held"),
        Case(id: 16, layout: .us, reports: [K.down(0, 0x04), K.rollOver, K.down(0, 0x04, 0x05), K.up] + enter,
             expected: [scan("ab")], spec: "0x01 ErrorRollOver report keeps the previous key state"),
        Case(id: 17, layout: .us, reports: K.tap(0, 0x04) + K.tap(0, 0x58), expected: [scan("a")], spec: "0x58 Keypad ENTER ends the scan"),
        Case(id: 18, layout: .us, reports: keys(0, [0x27, 0x1E]) + altCode([0x62, 0x5A, 0x61]) + keys(0, [0x1E, 0x27]) + enter,
             expected: [scan("01\u{1D}10")], spec: "GS as Alt+029 (Left Alt + keypad 0 2 9)"),
        Case(id: 19, layout: .us, reports: altCode([0x62, 0x5A, 0x5B, 0x5B]) + enter, expected: [scan("é")],
             spec: "Alt+0233 is Windows-1252 é"),
        Case(id: 20, layout: .us, reports: altCode([0x62, 0x59, 0x5A, 0x60]) + enter, expected: [scan("€")],
             spec: "Alt+0128 is Windows-1252 €"),
        Case(id: 21, layout: .us, reports: altCode([0x5E, 0x5D]) + enter, expected: [scan("A")], spec: "Alt+65 is ASCII A"),
        Case(id: 22, layout: .us, reports: K.tap(0, 0x1B) + altCode([0x5A, 0x62, 0x62]) + enter,
             expected: [rejected(.unsupportedAltCode(200), "x")], spec: "Alt+200 (OEM code page) is rejected"),
        Case(id: 23, layout: .us, reports: keys(0, [0x04, 0x05, 0x3A, 0x06]) + enter,
             expected: [rejected(.unmappedKey(usage: 0x3A, modifiers: 0), "abc")], spec: "0x3A F1 rejects the scan"),
        Case(id: 24, layout: .us, reports: K.tap(K.leftGUI, 0x04) + enter,
             expected: [rejected(.unmappedKey(usage: 0x04, modifiers: K.leftGUI), "")], spec: "Left GUI (bit 3) + a"),
        Case(id: 25, layout: .us, reports: K.tap(K.leftAlt, 0x04) + enter,
             expected: [rejected(.unmappedKey(usage: 0x04, modifiers: K.leftAlt), "")], spec: "Left Alt + a is no character"),
        Case(id: 26, layout: .us, reports: keys(0, [0x04, 0x05]) + K.tap(K.leftCtrl, 0x10), expected: [scan("ab")],
             spec: "Ctrl+M (0x10) is CR"),
        Case(id: 27, layout: .us, reports: keys(0, [0x04, 0x05]) + K.tap(K.leftCtrl, 0x0D), expected: [scan("ab")],
             spec: "Ctrl+J (0x0D) is LF"),
        Case(id: 28, layout: .us, reports: keys(0, [0x04, 0x05, 0x2B]) + enter,
             expected: [rejected(.controlCharacter(scalar: 9, offset: 2), "ab\t")], spec: "0x2B Tab is data unless a terminator"),
        Case(id: 29, layout: .us, reports: keys(0, [0x29, 0x04]) + enter,
             expected: [rejected(.controlCharacter(scalar: 0x1B, offset: 0), "\u{1B}a")], spec: "0x29 ESCAPE"),
        Case(id: 30, layout: .us, reports: K.typing("]Q1https://x.vn/01/1", layout: .us) + enter,
             expected: [scan("https://x.vn/01/1", "]Q1")], spec: "AIM ]Q1 (ISO/IEC 15424) recognised and stripped"),
        Case(id: 31, layout: .us, reports: K.typing("[)>", layout: .us) + K.tap(K.leftCtrl | K.leftShift, 0x23) + K.typing("06", layout: .us) + enter,
             expected: [scan("[)>\u{1E}06")], spec: "Ctrl+^ (Ctrl+Shift+6) is RS, the ISO/IEC 15434 separator"),
        Case(id: 32, layout: .us, reports: [[0, 0]] + enter,
             expected: [rejected(.malformedReport("keyboard report of 2 bytes"), "")], spec: "a 2-byte report is malformed"),
        Case(id: 33, layout: .fr, reports: keys(0, [0x14, 0x04, 0x1A, 0x1D, 0x33, 0x10]) + enter, expected: [scan("aqzwm,")],
             spec: "AZERTY letters: 0x14 a, 0x04 q, 0x1A z, 0x1D w, 0x33 m, 0x10 comma"),
        Case(id: 34, layout: .fr, reports: keys(K.leftShift, Array(0x1E...0x27)) + keys(0, Array(0x1E...0x27)) + enter,
             expected: [scan("1234567890&é\"'(-è_çà")], spec: "AZERTY digits need Shift"),
        Case(id: 35, layout: .fr, reports: K.tap(K.rightAlt, 0x27) + K.tap(K.leftCtrl | K.leftAlt, 0x27) + enter,
             expected: [scan("@@")], spec: "AltGr as Right Alt (bit 6) or Ctrl+Left Alt"),
        Case(id: 36, layout: .fr, reports: keys(K.leftShift, [0x1E]) + K.tap(K.leftCtrl, 0x30) + keys(K.leftShift, [0x1F]) + enter,
             expected: [scan("1\u{1D}2")], spec: "GS as Ctrl+$ (the key at 0x30)"),
        Case(id: 37, layout: .fr, reports: keys(0, [0x2F, 0x08, 0x2F, 0x2C]) + keys(K.leftShift, [0x2F]) + keys(0, [0x18, 0x2F, 0x1B, 0x2F, 0x2F]) + enter,
             expected: [scan("ê^ü^x^^")], spec: "dead ^ and ¨: composed, alone before space, spelled out otherwise"),
        Case(id: 38, layout: .fr, reports: K.tap(K.rightAlt, 0x1F) + K.tap(0, 0x11) + K.tap(K.rightAlt, 0x1F) + K.tap(0, 0x2C) + enter,
             expected: [scan("ñ~")], spec: "AltGr+2 is a dead tilde"),
        Case(id: 39, layout: .fr, reports: keys(0, [0x14, 0x05]) + K.tap(K.leftCtrl, 0x33), expected: [scan("ab")],
             spec: "Ctrl+M on AZERTY is the key at 0x33"),
        Case(id: 40, layout: .de, reports: keys(0, [0x1C, 0x1D]) + keys(K.leftShift, [0x24, 0x27]) + keys(0, [0x38]) + keys(K.leftShift, [0x38, 0x37]) + enter,
             expected: [scan("zy/=-_:")], spec: "QWERTZ: 0x1C z, 0x1D y, Shift+7 /, Shift+0 =, - _ :"),
        Case(id: 41, layout: .de, reports: keys(K.rightAlt, [0x14, 0x30, 0x25, 0x2D]) + enter, expected: [scan("@~[\\")],
             spec: "QWERTZ AltGr level"),
        Case(id: 42, layout: .de, reports: keys(0, [0x2E, 0x08]) + keys(K.leftShift, [0x2E]) + keys(0, [0x04, 0x35, 0x2C]) + enter,
             expected: [scan("éà^")], spec: "dead ´, ` and ^"),
        Case(id: 43, layout: .de, reports: keys(0, [0x1E]) + K.tap(K.leftCtrl, 0x30) + keys(0, [0x1F]) + enter,
             expected: [scan("1\u{1D}2")], spec: "GS as Ctrl++ (the key at 0x30)"),
        Case(id: 44, layout: .de, reports: keys(0, [0x59, 0x63, 0x5D]) + enter, expected: [scan("1,5")], spec: "keypad decimal is a comma"),
    ]

    static func decodeOneByOne(_ reports: [[UInt8]], _ configuration: HIDKeyboardDecoder.Configuration) -> [DecodedScan] {
        var decoder = HIDKeyboardDecoder(configuration: configuration)
        return reports.enumerated().flatMap { index, report in decoder.feed(report: report, at: .milliseconds(index)) }
    }

    static func decodeAllAtOnce(_ reports: [[UInt8]], _ configuration: HIDKeyboardDecoder.Configuration) -> [DecodedScan] {
        var decoder = HIDKeyboardDecoder(configuration: configuration)
        return decoder.feed(reports: reports, at: .zero)
    }

    @Test(arguments: cases)
    func decodesTable(_ item: Case) {
        let configuration = HIDKeyboardDecoder.Configuration(layout: item.layout)
        #expect(Self.decodeOneByOne(item.reports, configuration) == item.expected, "report by report")
        #expect(Self.decodeAllAtOnce(item.reports, configuration) == item.expected, "all at once")
    }

    @Test func tableNumbersAreUnique() {
        #expect(Set(Self.cases.map(\.id)).count == Self.cases.count)
    }

    static let digitalLink = "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313&linkType=gs1%3Apip"
    static let elementString = "0108938512345017" + "17260313" + "10MD250314A" + "\u{1D}" + "21K7QM2X9PA4"

    @Test(arguments: [HIDKeyboardLayout.us, .fr, .de], KeyReport.Style.allCases)
    func digitalLinkAndElementStringArriveExactly(layout: HIDKeyboardLayout, style: KeyReport.Style) {
        let reports = KeyReport.typing(Self.digitalLink + "\r", layout: layout, style: style)
            + KeyReport.typing("]Q1" + Self.digitalLink + "\r", layout: layout, style: style)
            + KeyReport.typing("]d2" + Self.elementString + "\r", layout: layout, style: style)
        let expected = [scan(Self.digitalLink), scan(Self.digitalLink, "]Q1"), scan(Self.elementString, "]d2")]
        let configuration = HIDKeyboardDecoder.Configuration(layout: layout)
        #expect(Self.decodeOneByOne(reports, configuration) == expected)
        #expect(Self.decodeAllAtOnce(reports, configuration) == expected)
    }

    @Test func aLayoutMismatchIsVisibleNotSilent() {
        // Reports typed for AZERTY, decoded as US: the digits come out as punctuation and the scan
        // no longer looks like a Digital Link; the station must be told the scanner's country.
        let reports = KeyReport.typing("01/0893\r", layout: .fr)
        #expect(Self.decodeOneByOne(reports, .init(layout: .us)) == [scan(")!>)*(#")])
    }

    @Test func vnIsTheUSLayout() {
        #expect(HIDKeyboardLayout.named("vn") == .us)
        #expect(HIDKeyboardLayout.named("FR") == .fr)
        #expect(HIDKeyboardLayout.named("uk") == nil)
        #expect(HIDKeyboardLayout.knownNames == ["us", "fr", "de", "vn"])
    }

    @Test func reportIDSelectsKeyboardReports() {
        let configuration = HIDKeyboardDecoder.Configuration(reportID: 1)
        let reports: [[UInt8]] = [[1] + KeyReport.down(0, 0x04), [2, 0xE9, 0], [1] + KeyReport.up, [1] + KeyReport.down(0, 0x28), [1] + KeyReport.up]
        #expect(Self.decodeOneByOne(reports, configuration) == [scan("a")])
    }

    @Test func tabTerminatorAndNoTerminator() {
        var framing = ScanFraming(terminators: [.tab])
        let tabbed = KeyReport.typing("ab\tcd\t", layout: .us)
        #expect(Self.decodeOneByOne(tabbed, .init(framing: framing)) == [scan("ab"), scan("cd")])

        framing = ScanFraming(terminators: [], interCharacterTimeout: .milliseconds(50))
        var decoder = HIDKeyboardDecoder(configuration: .init(framing: framing))
        var output = decoder.feed(reports: KeyReport.typing("4711", layout: .us), at: .zero)
        #expect(output.isEmpty, "no terminator: nothing until the pause")
        output += decoder.advance(to: .milliseconds(40))
        #expect(output.isEmpty)
        output += decoder.advance(to: .milliseconds(51))
        #expect(output == [scan("4711")])
        output = decoder.feed(reports: KeyReport.typing("4712", layout: .us), at: .milliseconds(60))
        output += decoder.feed(reports: KeyReport.typing("4713", layout: .us), at: .milliseconds(200))
        #expect(output == [scan("4712")], "the next report after a pause ends the previous scan")
    }

    @Test func interCharacterTimeoutRejectsAnUnterminatedScan() {
        var decoder = HIDKeyboardDecoder(configuration: .init(framing: ScanFraming(interCharacterTimeout: .milliseconds(100))))
        #expect(decoder.feed(reports: KeyReport.typing("0893", layout: .us), at: .zero).isEmpty)
        #expect(decoder.advance(to: .milliseconds(101)) == [rejected(.incomplete, "0893")])
        #expect(decoder.feed(reports: KeyReport.typing("12\r", layout: .us), at: .milliseconds(150)) == [scan("12")])
    }

    @Test func finishRejectsWhatWasInProgress() {
        var decoder = HIDKeyboardDecoder(configuration: .init())
        _ = decoder.feed(reports: [KeyReport.down(0, 0x04), KeyReport.up, KeyReport.down(KeyReport.leftShift)], at: .zero)
        #expect(decoder.finish() == [rejected(.incomplete, "a")])
        // Key state is forgotten: the same key held in the first report after a reconnect types.
        #expect(decoder.feed(reports: [KeyReport.down(0, 0x04)] + KeyReport.tap(0, 0x28), at: .seconds(1)) == [scan("a")])
    }

    @Test func overlongLineIsOneRejectionWithBoundedPrefix() {
        let framing = ScanFraming(maxLength: 4096)
        var decoder = HIDKeyboardDecoder(configuration: .init(framing: framing))
        var output: [DecodedScan] = []
        for index in 0..<10_000 {
            output += decoder.feed(reports: [KeyReport.down(0, 0x04 + UInt8(index % 26)), KeyReport.up], at: .microseconds(index))
        }
        output += decoder.feed(reports: KeyReport.tap(0, 0x28), at: .milliseconds(20))
        output += decoder.feed(reports: KeyReport.typing("ok\r", layout: .us), at: .milliseconds(21))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz".utf8)
        let prefix = (0..<ScanRejection.prefixLimit).map { alphabet[$0 % 26] }
        #expect(output == [.rejected(.tooLong(limit: 4096), prefix: prefix), scan("ok")])
    }
}
