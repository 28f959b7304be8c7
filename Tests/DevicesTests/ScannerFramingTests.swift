import Foundation
import Testing
@testable import Devices

/// Cutting byte streams into scans and validating them: terminators (serial scanners end lines
/// with CR, LF or both), maximum length, UTF-8 (Unicode Standard Table 3-7), control characters,
/// ISO/IEC 15424 symbology identifiers, GS placeholders.
@Suite struct ScannerFramingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: Int
        let framing: ScanFraming
        let input: [UInt8]
        let expected: [DecodedScan]
        let spec: String

        init(_ id: Int, _ framing: ScanFraming, _ input: [UInt8], _ expected: [DecodedScan], _ spec: String) {
            self.id = id
            self.framing = framing
            self.input = input
            self.expected = expected
            self.spec = spec
        }

        init(_ id: Int, _ input: [UInt8], _ expected: [DecodedScan], _ spec: String) {
            self.init(id, ScanFraming(), input, expected, spec)
        }

        init(_ id: Int, _ framing: ScanFraming, _ input: String, _ expected: [DecodedScan], _ spec: String) {
            self.init(id, framing, Array(input.utf8), expected, spec)
        }

        init(_ id: Int, _ input: String, _ expected: [DecodedScan], _ spec: String) {
            self.init(id, ScanFraming(), Array(input.utf8), expected, spec)
        }

        var testDescription: String { "#\(id): \(spec)" }
    }

    static let lfOnly = ScanFraming(terminators: [.lineFeed])
    static let crOnly = ScanFraming(terminators: [.carriageReturn])
    static let short = ScanFraming(maxLength: 8)

    static let cases: [Case] = [
        Case(1, "abc\r", [scan("abc")], "CR ends a scan"),
        Case(2, "abc\n", [scan("abc")], "LF ends a scan"),
        Case(3, "abc\r\n", [scan("abc")], "CRLF ends one scan, not two"),
        Case(4, "abc\r\ndef\r\nghi\n", [scan("abc"), scan("def"), scan("ghi")], "three lines, mixed endings"),
        Case(5, "\r\n\r\n\n\r", [], "empty lines are no scans"),
        Case(6, lfOnly, "abc\r\n", [scan("abc")], "LF-only framing still takes CRLF"),
        Case(7, lfOnly, "ab\rc\n", [rejected(.controlCharacter(scalar: 0x0D, offset: 2), "ab\rc")], "a stray CR is data when only LF ends lines"),
        Case(8, crOnly, "abc\r\ndef\r", [scan("abc"), scan("def")], "the LF of CRLF is swallowed with CR-only framing"),
        Case(9, crOnly, "abc\ndef\r", [rejected(.controlCharacter(scalar: 0x0A, offset: 3), "abc\ndef")], "a lone LF is data with CR-only framing"),
        Case(10, ScanFraming(terminators: [.tab]), "abc\tdef\t", [scan("abc"), scan("def")], "TAB suffix"),
        Case(11, short, "01234567\r", [scan("01234567")], "exactly the maximum length"),
        Case(12, short, "012345678\r", [rejected(.tooLong(limit: 8), "012345678")], "one byte over the maximum"),
        Case(13, short, "0123456789ABCDEF\rok\r", [rejected(.tooLong(limit: 8), "0123456789ABCDEF"), scan("ok")],
             "an overlong line is one rejection; the next line is fine"),
        Case(14, [0x61, 0x62, 0xFF, 0x63, 0x0D], [rejected(.invalidUTF8(offset: 2), bytes: [0x61, 0x62, 0xFF, 0x63])], "0xFF never occurs in UTF-8"),
        Case(15, [0xC0, 0xAF, 0x0D], [rejected(.invalidUTF8(offset: 0), bytes: [0xC0, 0xAF])], "overlong encoding of /"),
        Case(16, [0xED, 0xA0, 0x80, 0x0D], [rejected(.invalidUTF8(offset: 0), bytes: [0xED, 0xA0, 0x80])], "UTF-16 surrogate"),
        Case(17, [0xF4, 0x90, 0x80, 0x80, 0x0D], [rejected(.invalidUTF8(offset: 0), bytes: [0xF4, 0x90, 0x80, 0x80])], "above U+10FFFF"),
        Case(18, [0x61, 0xE1, 0xBA, 0x0D], [rejected(.invalidUTF8(offset: 1), bytes: [0x61, 0xE1, 0xBA])], "truncated sequence"),
        Case(19, "Miến dong Na Rì\r", [scan("Miến dong Na Rì")], "Vietnamese UTF-8 passes"),
        Case(20, "ab\u{01}c\r", [rejected(.controlCharacter(scalar: 1, offset: 2), "ab\u{01}c")], "SOH is rejected"),
        Case(21, "ab\u{7F}\r", [rejected(.controlCharacter(scalar: 0x7F, offset: 2), "ab\u{7F}")], "DEL is rejected"),
        Case(22, "a\u{85}b\r", [rejected(.controlCharacter(scalar: 0x85, offset: 1), "a\u{85}b")], "C1 control NEL is rejected"),
        Case(23, "0108938512345017\u{1D}10AB\r", [scan("0108938512345017\u{1D}10AB")], "GS (FNC1 separator) is data"),
        Case(24, "[)>\u{1E}06\u{1D}1PX\u{1E}\u{04}\r", [scan("[)>\u{1E}06\u{1D}1PX\u{1E}\u{04}")], "ISO/IEC 15434 RS, GS, EOT are data"),
        Case(25, "]d20108938512345017\r", [scan("0108938512345017", "]d2")], "]d2 GS1 DataMatrix stripped"),
        Case(26, "]C1011234\r", [scan("011234", "]C1")], "]C1 GS1-128"),
        Case(27, "]E09789604123456\r", [scan("9789604123456", "]E0")], "]E0 EAN-13"),
        Case(28, "]e001012345\r", [scan("01012345", "]e0")], "]e0 GS1 DataBar"),
        Case(29, "]Q3011234\r", [scan("011234", "]Q3")], "]Q3 GS1 QR Code"),
        Case(30, "]W1abc\r", [scan("]W1abc")], "W is no code character: kept as data"),
        Case(31, "]Qxabc\r", [scan("]Qxabc")], "lower-case modifier is not an identifier"),
        Case(32, ScanFraming(symbologyIdentifiers: .require), "0108938512345017\r",
             [rejected(.missingSymbologyIdentifier, "0108938512345017")], "required identifier missing"),
        Case(33, ScanFraming(symbologyIdentifiers: .keep), "]Q1https://a\r", [scan("]Q1https://a")], "keep: data unchanged"),
        Case(34, "]Q1\r", [rejected(.empty, "]Q1")], "only an identifier"),
        Case(35, ScanFraming(gsPlaceholder: "{GS}"), "]C10108938512345017{GS}10AB{GS}\r",
             [scan("0108938512345017\u{1D}10AB\u{1D}", "]C1")], "placeholder turned back into GS"),
        Case(36, ScanFraming(gsPlaceholder: "~"), "a~b~~c\r", [scan("a\u{1D}b\u{1D}\u{1D}c")], "one-character placeholder"),
    ]

    @Test(arguments: cases)
    func framesTable(_ item: Case) {
        var oneByOne = ScanFramer(framing: item.framing)
        let byteResults = item.input.enumerated().flatMap { index, byte in oneByOne.feed(byte, at: .microseconds(index)) }
        #expect(byteResults == item.expected, "byte by byte")
        var allAtOnce = ScanFramer(framing: item.framing)
        #expect(allAtOnce.feed(item.input, at: .zero) == item.expected, "all at once")
        #expect(oneByOne.state == .idle || oneByOne.state == .afterCarriageReturn)
    }

    @Test func tableNumbersAreUnique() {
        #expect(Set(Self.cases.map(\.id)).count == Self.cases.count)
    }

    @Test func timeoutEndsAScanWithoutTerminator() {
        var framer = ScanFramer(framing: ScanFraming(terminators: [], interCharacterTimeout: .milliseconds(100)))
        #expect(framer.feed(Array("0893".utf8), at: .zero).isEmpty)
        #expect(framer.advance(to: .milliseconds(100)).isEmpty, "exactly the timeout is not yet past it")
        #expect(framer.advance(to: .milliseconds(101)) == [scan("0893")])
        #expect(framer.state == .idle)
        // A gap inside the next stream ends the first part; the rest is the next scan.
        var output = framer.feed(Array("12".utf8), at: .seconds(1))
        output += framer.feed(Array("34".utf8), at: .seconds(2))
        output += framer.finish()
        #expect(output == [scan("12"), scan("34")])
    }

    @Test func timeoutRejectsAPartialLineWhenTerminatorsAreExpected() {
        var framer = ScanFramer(framing: ScanFraming(interCharacterTimeout: .milliseconds(100)))
        var output = framer.feed(Array("ab".utf8), at: .zero)
        output += framer.feed(Array("cd\r".utf8), at: .milliseconds(500))
        #expect(output == [rejected(.incomplete, "ab"), scan("cd")])
        #expect(framer.feed(Array("x".utf8), at: .seconds(1)).isEmpty)
        #expect(framer.finish() == [rejected(.incomplete, "x")])
    }

    @Test func crlfSplitAcrossReads() {
        var framer = ScanFramer(framing: ScanFraming())
        #expect(framer.feed(Array("abc\r".utf8), at: .zero) == [scan("abc")])
        #expect(framer.state == .afterCarriageReturn)
        #expect(framer.feed(0x0A, at: .milliseconds(1)).isEmpty, "the LF completes the CRLF")
        var lfOnly = ScanFramer(framing: Self.lfOnly)
        #expect(lfOnly.feed(Array("abc\r".utf8), at: .zero).isEmpty)
        #expect(lfOnly.state == .heldCarriageReturn)
        #expect(lfOnly.feed(0x0A, at: .milliseconds(1)) == [scan("abc")])
    }

    @Test func rejectMarksTheCurrentScan() {
        var framer = ScanFramer(framing: ScanFraming())
        _ = framer.feed(Array("ab".utf8), at: .zero)
        _ = framer.reject(.malformedReport("x"), at: .zero)
        _ = framer.reject(.incomplete, at: .zero)
        #expect(framer.feed(Array("c\r".utf8), at: .zero) == [rejected(.malformedReport("x"), "abc")], "the first reason sticks")
    }

    @Test func displayTextShowsControls() {
        let input = ScanInput(bytes: Array("01\u{1D}10\r".utf8) + [0xFF, 0x01], symbology: nil, scanner: "s", receivedAt: Date())
        #expect(input.displayText == "01<GS>10<CR><0xFF><0x01>")
    }
}

/// ISO/IEC 15424 symbology identifiers and the GS1 General Specifications' list of those that
/// announce GS1 element strings.
@Suite struct ScannerAIMIdentifierTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let id: Int
        let text: String
        let valid: Bool
        let name: String
        let gs1: Bool

        var testDescription: String { "#\(id) \(text)" }
    }

    static let cases: [Case] = [
        Case(id: 1, text: "]C0", valid: true, name: "Code 128", gs1: false),
        Case(id: 2, text: "]C1", valid: true, name: "GS1-128", gs1: true),
        Case(id: 3, text: "]d1", valid: true, name: "Data Matrix", gs1: false),
        Case(id: 4, text: "]d2", valid: true, name: "GS1 DataMatrix", gs1: true),
        Case(id: 5, text: "]Q1", valid: true, name: "QR Code", gs1: false),
        Case(id: 6, text: "]Q3", valid: true, name: "GS1 QR Code", gs1: true),
        Case(id: 7, text: "]e0", valid: true, name: "GS1 DataBar", gs1: true),
        Case(id: 8, text: "]E0", valid: true, name: "EAN-13/UPC-A/UPC-E", gs1: false),
        Case(id: 9, text: "]E4", valid: true, name: "EAN-8", gs1: false),
        Case(id: 10, text: "]J1", valid: true, name: "GS1 DotCode", gs1: true),
        Case(id: 11, text: "]I1", valid: true, name: "Interleaved 2 of 5", gs1: false),
        Case(id: 12, text: "]A0", valid: true, name: "Code 39", gs1: false),
        Case(id: 13, text: "]z0", valid: true, name: "Aztec Code", gs1: false),
        Case(id: 14, text: "]L2", valid: true, name: "PDF417/MicroPDF417", gs1: false),
        Case(id: 15, text: "]W1", valid: false, name: "", gs1: false),
        Case(id: 16, text: "]q1", valid: false, name: "", gs1: false),
        Case(id: 17, text: "]Q!", valid: false, name: "", gs1: false),
        Case(id: 18, text: "[Q1", valid: false, name: "", gs1: false),
        Case(id: 19, text: "]Q", valid: false, name: "", gs1: false),
    ]

    @Test(arguments: cases)
    func identifiers(_ item: Case) {
        let identifier = AIMIdentifier(bytes: Array(item.text.utf8))
        #expect((identifier != nil) == item.valid)
        if let identifier {
            #expect(identifier.text == item.text)
            #expect(identifier.bytes == Array(item.text.utf8))
            #expect(identifier.symbologyName == item.name)
            #expect(identifier.carriesGS1ElementString == item.gs1)
        }
    }
}
