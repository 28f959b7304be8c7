import Testing
@testable import TOMLReading

/// Table headers on which the toml++ inside TOMLKit 0.6.0 aborts the process (an assertion in
/// `parser::parse_key`, marzer/tomlplusplus#301) must come back as syntax errors, and valid TOML
/// that merely looks like them must still parse.
@Suite struct MalformedHeaderTests {
    struct Case: Sendable, CustomStringConvertible {
        let text: String
        let line: Int
        let column: Int
        var description: String { text.debugDescription }
    }

    /// Each of these aborted `station config check` before the guard (exit status 134).
    static let aborting: [Case] = [
        Case(text: "a = 1\n[)\n", line: 2, column: 2),
        Case(text: "[[=\n", line: 1, column: 3),
        Case(text: "[ )\n", line: 1, column: 3),
        Case(text: "[[[1]]]\n", line: 1, column: 3),
        Case(text: "x = 2\n  [.a]\n", line: 2, column: 4),
        Case(text: "tên = \"Miến\"\n[)\n", line: 2, column: 2),
        Case(text: "[#]\n", line: 1, column: 2),
        Case(text: "[\n", line: 1, column: 2),
        Case(text: "[=]", line: 1, column: 2),
        Case(text: "[,]", line: 1, column: 2),
        Case(text: "s = \"\"\"\nx\"\"\"\n[)[element]]\n", line: 3, column: 2),
        Case(text: "[", line: 1, column: 2),
        Case(text: "\u{FEFF}[[&element]]\n", line: 1, column: 4),     // after a byte order mark (found by the fuzzer)
        Case(text: "\u{3000}[\u{00A0}=]\n", line: 1, column: 4),
        Case(text: "# n\n\n[\rCd\"t e", line: 3, column: 2),            // a CR inside the brackets (fuzzer)
        Case(text: "a = [}\n", line: 1, column: 6),
        Case(text: "1=1?11-0\u{12}-c= 1#", line: 1, column: 9),        // a control character (fuzzer)
        Case(text: "name = \"a\u{7F}b\"\n", line: 1, column: 10),
        Case(text: "n=0-------00 3 ", line: 1, column: 14),               // a date, a space, a lone digit (fuzzer)
        Case(text: "d = 1979-05-27 7\n", line: 1, column: 16),
        Case(text: "\u{FEFF}n=7--------= 9 ", line: 1, column: 15),
        Case(text: "c=0-----A--= 6\u{FEFF}", line: 1, column: 14),
        Case(text: "s=0/------\u{04C8} 0\n", line: 1, column: 13),
        Case(text: "d = [1979-05-27 7,]\n", line: 1, column: 17),                  // an array element starting with } (fuzzer)
        Case(text: "a = [1,}\n", line: 1, column: 8),
        Case(text: "a = { b = [\n  2, # two\n  }\n", line: 3, column: 3),
    ]

    @Test(arguments: aborting)
    func abortingHeadersAreSyntaxErrors(_ c: Case) {
        #expect(throws: TOMLSyntaxError.self) { try TOMLReading.table(from: c.text) }
        let problem = TOMLReading.abortingConstruct(in: c.text)
        #expect(problem?.line == c.line && problem?.column == c.column, "\(String(describing: problem))")
        #expect(problem.map { $0.message.hasPrefix("Error while parsing") || $0.message.hasPrefix("control character") } == true)
    }

    /// Brackets at the start of a line that are not headers, and headers of every legal shape.
    static let valid: [String] = [
        "[station]\nid = \"A\"\n",
        "[station]\r\nid = \"A\"\r\n[[printers]]\r\n",
        "[[element]]\nkind = \"qr\"\n[[ element ]]\nkind = \"text\"\n",
        "[\"quoted key\"]\na = 1\n['literal']\nb = 2\n",
        "[a.b.c]\n[a-b_c.1]\n",
        "usb = [\n  \"0a5f:*\",\n  \"05e0:1200\",\n]\n",
        "grid = [\n  [1, 2],\n  [3, 4],\n]\n",
        "t = { a = [\n  [1],\n] }\n",
        "s = \"\"\"\n[not a header\n\"\"\"\n",
        "s = '''\n[)\n'''\n",
        "s = \"a \\\" [b\"\n[ok]\n",
        "# [) a comment\n[ok]  # [)\n",
        "s = \"\"\"x\"\"\"\"\"\n[ok]\n",
        "a = [1, 2, ]\nb = [ ]\nc = [{ x = 1 }, { y = [2, 3] }]\nd = { e = [1], f = \"}\" }\n",
        "d = 1979-05-27 07:32:00\ne = 1979-05-27\nf = [1979-05-27, 2025-03-14 ]\ng = 1979-05-27T07:32:00Z # 7\n",
        "s = \"1979-05-27 7 \"\nx = 1234567890 # 7\n",
    ]

    @Test(arguments: valid)
    func validTOMLStillParses(_ text: String) throws {
        #expect(TOMLReading.abortingConstruct(in: text) == nil)
        _ = try TOMLReading.table(from: text)
    }

    @Test func otherSyntaxErrorsKeepTheParsersPosition() {
        #expect(throws: TOMLSyntaxError.self) { try TOMLReading.table(from: "[station\n") }
        do {
            _ = try TOMLReading.table(from: "a = 1\nb = = 2\n")
            Issue.record("a bad value parsed")
        } catch {
            #expect(error.line == 2)
        }
    }
}
