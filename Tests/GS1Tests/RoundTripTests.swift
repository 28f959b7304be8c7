@testable import GS1
import Testing

@Suite("Round trips: element string ↔ Digital Link ↔ parse")
struct RoundTripTests {
    static let messages: [Case<String, String>] = [
        Case(1, "0109506000134352" + "17180426" + "10ABC123" + GS + "2112345",
             "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426", "GS1 Digital Link standard example as a GS1 DataMatrix"),
        Case(2, "0108938512345017" + "11250314" + "17260331" + "10MD250314A",
             "https://id.gs1.org/01/08938512345017/10/MD250314A?11=250314&17=260331", "Vietnamese product, dates and lot"),
        Case(3, "0108938512345017" + "21A/B?C%D&E+F=G",
             "https://id.gs1.org/01/08938512345017/21/A%2FB%3FC%25D%26E%2BF%3DG", "serial full of URI-reserved characters"),
        Case(4, "00106141412345678908" + "0200614141123452" + "3725" + GS + "10ABC123",
             "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123", "SSCC label data"),
        Case(5, "4148935049500018" + "254KHO-1",
             "https://id.gs1.org/414/8935049500018/254/KHO-1", "GLN with extension"),
        Case(6, "0108938512345017" + "7007250301250315" + GS + "422704" + GS + "10L!\"'()*,:;<=>_",
             "https://id.gs1.org/01/08938512345017/10/L%21%22%27%28%29%2A%2C%3A%3B%3C%3D%3E_?7007=250301250315&422=704",
             "harvest range, origin Vietnam, and the rest of the punctuation of set 82"),
    ]

    @Test("Element string → Digital Link → element string", arguments: messages)
    func elementStringToDigitalLink(_ test: Case<String, String>) throws {
        let message = try GS1Message(parsing: test.input)
        let link = try message.digitalLink()
        #expect(link.uri == test.expected)

        let parsed = try DigitalLink(parsing: link.uri)
        #expect(parsed == link)
        #expect(Set(pairs(parsed.elements)) == Set(pairs(message.elements)))
        // Back to an element string; the Digital Link's order is key, qualifiers, attributes.
        let again = try GS1Message(parsing: parsed.message.elementString())
        #expect(Set(pairs(again.elements)) == Set(pairs(message.elements)))
        #expect(try GS1Message(parsing: message.bracketed) == message)
    }

    @Test("Digital Link text survives parse → build unchanged", arguments: messages)
    func digitalLinkTextIsStable(_ test: Case<String, String>) throws {
        #expect(try DigitalLink(parsing: test.expected).uri == test.expected)
    }

    @Test("Percent-encoded path values never leave a raw reserved character in the URI")
    func encodedSegments() throws {
        let serial = "/?%&#"  // '#' is not in set 82, so it is tested through percent-decoding only
        #expect(thrownError { try GS1Element(ai: "21", value: serial) } == .invalidCharacter(ai: "21", character: "#", position: 5))
        let element = try GS1Element(ai: "21", value: "a/b?c%d&e")
        let link = try GS1Message([try GS1Element(ai: "01", value: "09506000134352"), element]).digitalLink()
        let path = link.uri.dropFirst("https://id.gs1.org".count)
        #expect(path.split(separator: "/").count == 4)
        #expect(!path.contains("?") && !path.contains("&"))
        #expect(try DigitalLink(parsing: link.uri).qualifiers.first?.value == "a/b?c%d&e")
    }

    @Test("Every character of set 82 round-trips in lots and serials (seeded generator)")
    func generatedValues() throws {
        var generator = SplitMix64(seed: 0x893_2025)
        let alphabet = GS1CharacterSet.cset82Characters
        for _ in 0..<300 {
            func randomValue() -> String {
                let length = Int.random(in: 1...20, using: &generator)
                var scalars = String.UnicodeScalarView()
                for _ in 0..<length { scalars.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)]) }
                return String(scalars)
            }
            let lot = randomValue(), serial = randomValue()
            let message = try GS1Message([
                try GS1Element(ai: "01", value: "08938512345017"),
                try GS1Element(ai: "17", value: "260331"),
                try GS1Element(ai: "10", value: lot),
                try GS1Element(ai: "21", value: serial),
            ])
            #expect(try GS1Message(parsing: message.elementString()) == message, "lot \(lot) serial \(serial)")
            #expect(try GS1Message(parsing: message.bracketed) == message, "lot \(lot) serial \(serial)")
            let link = try DigitalLink(parsing: try message.digitalLink(resolver: "https://dl.example.vn/p").uri)
            #expect(link.qualifiers.map(\.value) == [lot, serial])
            #expect(link.attributes.map(\.value) == ["260331"])
        }
    }
}

/// A small deterministic generator, so the generated cases are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
