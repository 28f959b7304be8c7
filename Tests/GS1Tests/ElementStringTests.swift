@testable import GS1
import Testing

@Suite("Element strings (GS1 General Specifications §7.8)")
struct ElementStringTests {
    /// Scanner transmissions and typed HRI, with the elements they carry.
    static let parses: [Case<String, [[String]]>] = [
        Case(1, "(01)09506000134352(10)ABC123", [["01", "09506000134352"], ["10", "ABC123"]],
             "bracketed HRI, §4.15"),
        Case(2, "(01) 08938512345017 (17) 260331 (10) MD250314A", [["01", "08938512345017"], ["17", "260331"], ["10", "MD250314A"]],
             "HRI as printed, with spaces between elements"),
        Case(3, "0109506000134352" + "10ABC123" + GS + "2112345", [["01", "09506000134352"], ["10", "ABC123"], ["21", "12345"]],
             "GS after variable-length 10, none after predefined-length 01, §7.8.5"),
        Case(4, "]d2" + "0108938512345017" + "17260331" + "10MD250314A", [["01", "08938512345017"], ["17", "260331"], ["10", "MD250314A"]],
             "GS1 DataMatrix symbology identifier ]d2, predefined-length 17 needs no GS"),
        Case(5, "]C1" + "00376104250021234569", [["00", "376104250021234569"]], "GS1-128 ]C1 with an SSCC"),
        Case(6, "]Q3" + "0108938512345017" + "11250314" + "10LOT-7", [["01", "08938512345017"], ["11", "250314"], ["10", "LOT-7"]],
             "GS1 QR Code ]Q3"),
        Case(7, "]e0" + "0109506000134352" + "3103000195", [["01", "09506000134352"], ["3103", "000195"]],
             "GS1 DataBar ]e0 with net weight 0.195 kg"),
        Case(8, GS + "0109506000134352" + GS + "10ABC", [["01", "09506000134352"], ["10", "ABC"]],
             "leading GS (FNC1 in first position) and a redundant GS after a predefined-length AI"),
        Case(9, "0108938512345017" + "422704" + GS + "10L1", [["01", "08938512345017"], ["422", "704"], ["10", "L1"]],
             "422 is fixed-length but not predefined: the GS after it is required"),
        Case(10, "0108938512345017" + "7007250301250315" + GS + "21S/1", [["01", "08938512345017"], ["7007", "250301250315"], ["21", "S/1"]],
             "harvest date range then a serial containing '/'"),
        Case(11, "(01)08938512345017(10)A\\(21)B", [["01", "08938512345017"], ["10", "A(21)B"]],
             "an escaped '(' inside a bracketed value"),
        Case(12, "(01)08938512345017(10)A(B)C", [["01", "08938512345017"], ["10", "A(B)C"]],
             "parentheses that cannot start an AI stay in the value"),
        Case(13, "0108938512345017\r\n", [["01", "08938512345017"]], "line ending from a keyboard-wedge scanner"),
    ]

    @Test("Element strings parse into ordered (AI, value) pairs", arguments: parses)
    func parse(_ test: Case<String, [[String]]>) throws {
        let message = try GS1Message(parsing: test.input)
        #expect(pairs(message.elements) == test.expected)
    }

    /// Elements and the element string an encoder needs.
    static let builds: [Case<[[String]], String>] = [
        Case(1, [["01", "09506000134352"], ["10", "ABC123"], ["21", "12345"]], "0109506000134352" + "10ABC123" + GS + "2112345",
             "GS only after the variable-length lot, not after the last element"),
        Case(2, [["01", "08938512345017"], ["17", "260331"], ["10", "MD250314A"]], "0108938512345017" + "17260331" + "10MD250314A",
             "no GS at all when only the last element is variable"),
        Case(3, [["01", "08938512345017"], ["10", "L1"], ["17", "260331"]], "0108938512345017" + "10L1" + GS + "17260331",
             "a variable-length value before a predefined-length one still needs its GS"),
        Case(4, [["01", "08938512345017"], ["422", "704"], ["10", "L1"]], "0108938512345017" + "422704" + GS + "10L1",
             "fixed-length 422 is not predefined-length, so it is followed by GS"),
        Case(5, [["414", "8935049500018"], ["254", "KHO-1"]], "4148935049500018" + "254KHO-1", "GLN with extension"),
    ]

    @Test("Element strings are built with GS only where §7.8.5 requires it", arguments: builds)
    func build(_ test: Case<[[String]], String>) throws {
        var elements: [GS1Element] = []
        for pair in test.input { elements.append(try GS1Element(ai: pair[0], value: pair[1])) }
        let message = try GS1Message(elements)
        #expect(message.elementString() == test.expected)
        #expect(try GS1Message(parsing: message.elementString()) == message)
        #expect(try GS1Message(parsing: message.bracketed) == message)
    }

    @Test("Bracketed form for display")
    func bracketed() throws {
        let message = try GS1Message(parsing: "0108938512345017" + "17260331" + "10MD250314A")
        #expect(message.bracketed == "(01)08938512345017(17)260331(10)MD250314A")
        #expect(message.description == message.bracketed)
        let tricky = try GS1Message([try GS1Element(ai: "01", value: "08938512345017"), try GS1Element(ai: "10", value: "A(21)B(C)")])
        #expect(tricky.bracketed == "(01)08938512345017(10)A\\(21)B(C)")
    }

    @Test("A custom FNC1 spelling can be used for printer languages")
    func customSeparator() throws {
        let message = try GS1Message(parsing: "(01)09506000134352(10)ABC(21)1")
        #expect(message.elementString(separator: ">8") == "0109506000134352" + "10ABC>8211")
    }

    @Test("Reordering puts predefined-length AIs first to save separators")
    func reorder() throws {
        let message = try GS1Message(parsing: "(01)08938512345017(10)L1(17)260331")
        let reordered = message.reorderedForEncoding()
        #expect(pairs(reordered.elements).map { $0[0] } == ["01", "17", "10"])
        #expect(message.elementString() == "0108938512345017" + "10L1" + GS + "17260331")
        #expect(reordered.elementString() == "0108938512345017" + "17260331" + "10L1")
    }

    @Test("Repeating an AI with the same value is harmless; a different value is an error")
    func duplicates() throws {
        let same = try GS1Message(parsing: "(01)08938512345017(10)L1(10)L1")
        #expect(pairs(same.elements) == [["01", "08938512345017"], ["10", "L1"]])
        #expect(thrownError { try GS1Message(parsing: "(01)08938512345017(10)L1(10)L2") } == .duplicateAI(ai: "10"))
    }

    @Test("Association rules (§4.14) can be deferred for multi-symbol labels")
    func deferredAssociations() throws {
        // Top barcode of an SSCC label: content, count, lot — its (00) is in another barcode.
        let top = "(02)08938512345017(37)24(10)L1"
        #expect(thrownError { try GS1Message(parsing: top) } == .missingAssociatedAI(ai: "37", oneOf: ["00"]))
        let partial = try GS1Message(parsing: top, checkingAssociations: false)
        let bottom = try GS1Message(parsing: "(00)389350495000000019")
        try GS1Message.validateAssociations(bottom.elements + partial.elements)
    }

    @Test("Value lookup by AI")
    func subscriptLookup() throws {
        let message = try GS1Message(parsing: "(01)08938512345017(10)L1")
        #expect(message["10"] == "L1")
        #expect(message["21"] == nil)
    }
}
