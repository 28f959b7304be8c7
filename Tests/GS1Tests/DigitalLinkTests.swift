@testable import GS1
import Testing

@Suite("GS1 Digital Link URI syntax")
struct DigitalLinkTests {
    /// Digital Links and the elements (path then query order) they carry.
    static let parses: [Case<String, [[String]]>] = [
        Case(1, "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426",
             [["01", "09506000134352"], ["10", "ABC123"], ["21", "12345"], ["17", "180426"]],
             "GS1 Digital Link standard example"),
        Case(2, "https://example.vn/dl/01/08938512345017/10/MD250314A?17=260331&11=250314",
             [["01", "08938512345017"], ["10", "MD250314A"], ["17", "260331"], ["11", "250314"]],
             "own resolver with a path prefix"),
        Case(3, "https://id.gs1.org/01/09506000134352/22/2A/10/ABC/21/1",
             [["01", "09506000134352"], ["22", "2A"], ["10", "ABC"], ["21", "1"]], "all three qualifiers in order 22, 10, 21"),
        Case(4, "https://id.gs1.org/01/4006381333931", [["01", "04006381333931"]], "a GTIN-13 in the path is padded to 14 digits"),
        Case(5, "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123",
             [["00", "106141412345678908"], ["02", "00614141123452"], ["37", "25"], ["10", "ABC123"]],
             "GS1 Digital Link standard SSCC example"),
        Case(6, "https://id.gs1.org/414/8935049500018/254/KHO-1", [["414", "8935049500018"], ["254", "KHO-1"]],
             "GLN with extension qualifier"),
        Case(7, "https://id.gs1.org/8004/8935049500LAPTOP-17", [["8004", "8935049500LAPTOP-17"]], "GIAI primary key"),
        Case(8, "https://id.gs1.org/01/09506000134352/21/A%2FB%3FC%25D%26E",
             [["01", "09506000134352"], ["21", "A/B?C%D&E"]], "percent-encoded '/', '?', '%' and '&' in a serial"),
        Case(9, "https://id.gs1.org/8010/0614141%23AB/8011/12", [["8010", "0614141#AB"], ["8011", "12"]],
             "'#' (character set 39) percent-encoded in a CPID"),
        Case(10, "HTTP://ID.GS1.ORG/01/09506000134352?17=180426#top", [["01", "09506000134352"], ["17", "180426"]],
             "upper-case scheme; fragment ignored"),
        Case(11, "https://example.com/gtin/09506000134352/lot/ABC/ser/7", [["01", "09506000134352"], ["10", "ABC"], ["21", "7"]],
             "deprecated convenience short names (Digital Link 1.1)"),
        Case(12, "https://a.example/01/stem/01/09506000134352", [["01", "09506000134352"]],
             "an AI-like stem segment: the rightmost primary key starts the path"),
        Case(13, "https://id.gs1.org/01/09506000134352/?17=180426", [["01", "09506000134352"], ["17", "180426"]],
             "trailing slash before the query"),
        Case(14, "https://id.gs1.org/01/09506000134352/21/A+B", [["01", "09506000134352"], ["21", "A+B"]],
             "'+' is literal in the path (it means space only in a query)"),
        Case(15, "https://id.gs1.org/01/09506000134352?3103=000195&8200=https%3A%2F%2Fex.vn%2Fp",
             [["01", "09506000134352"], ["3103", "000195"], ["8200", "https://ex.vn/p"]], "URL attribute percent-encoded"),
    ]

    @Test("Digital Links parse into elements", arguments: parses)
    func parse(_ test: Case<String, [[String]]>) throws {
        let link = try DigitalLink(parsing: test.input)
        #expect(pairs(link.elements) == test.expected)
    }

    @Test("Resolver, prefix and non-GS1 parameters are kept")
    func resolverAndParameters() throws {
        let link = try DigitalLink(parsing: "https://trace.example.vn:8443/r/v1/01/08938512345017/10/L1?17=260331&utm_source=label&flag")
        #expect(link.scheme == "https")
        #expect(link.host == "trace.example.vn:8443")
        #expect(link.pathPrefix == "/r/v1")
        #expect(link.resolver == "https://trace.example.vn:8443/r/v1")
        #expect(link.primaryKey.ai == "01")
        #expect(pairs(link.qualifiers) == [["10", "L1"]])
        #expect(pairs(link.attributes) == [["17", "260331"]])
        #expect(link.otherParameters == [.init(name: "utm_source", value: "label"), .init(name: "flag", value: nil)])
        #expect(link.uri == "https://trace.example.vn:8443/r/v1/01/08938512345017/10/L1?17=260331&utm_source=label&flag")
        #expect(link.canonicalURI == "https://id.gs1.org/01/08938512345017/10/L1?17=260331")
    }

    /// Messages and the Digital Link built from them under the canonical resolver.
    static let builds: [Case<String, String>] = [
        Case(1, "(01)09506000134352(17)180426(10)ABC123(21)12345",
             "https://id.gs1.org/01/09506000134352/10/ABC123/21/12345?17=180426",
             "qualifiers move to the path in order 10, 21; the date is an attribute"),
        Case(2, "(01)09506000134352(21)12345(22)2A(10)L",
             "https://id.gs1.org/01/09506000134352/22/2A/10/L/21/12345",
             "qualifiers are reordered to 22, 10, 21 whatever the element order"),
        Case(3, "(01)09506000134352(235)TPX-1", "https://id.gs1.org/01/09506000134352/235/TPX-1",
             "the alternative qualifier sequence 235"),
        Case(4, "(00)106141412345678908(02)00614141123452(37)25(10)ABC123",
             "https://id.gs1.org/00/106141412345678908?02=00614141123452&37=25&10=ABC123",
             "SSCC key: 10 is an attribute because it does not qualify 00"),
        Case(5, "(01)09506000134352(21)A/B?C%D&E", "https://id.gs1.org/01/09506000134352/21/A%2FB%3FC%25D%26E",
             "reserved characters in a serial are percent-encoded"),
        Case(6, "(414)8935049500018(254)KHO_1",
             "https://id.gs1.org/414/8935049500018/254/KHO_1", "GLN extension"),
        Case(7, "(01)09506000134352(8200)https://ex.vn/p?a=1", "https://id.gs1.org/01/09506000134352?8200=https%3A%2F%2Fex.vn%2Fp%3Fa%3D1",
             "a URL attribute is encoded so its own '?' and '=' do not break the query"),
    ]

    @Test("Digital Links are built from element strings", arguments: builds)
    func build(_ test: Case<String, String>) throws {
        let message = try GS1Message(parsing: test.input)
        let link = try message.digitalLink()
        #expect(link.uri == test.expected)
        #expect(try DigitalLink(parsing: link.uri) == link)
    }

    @Test("Own resolver with a path prefix and extra parameters")
    func ownResolver() throws {
        let message = try GS1Message(parsing: "(01)08938512345017(10)MD250314A(17)260331")
        let link = try DigitalLink(message, resolver: "https://truyxuat.example.vn/dl/",
                                   otherParameters: [.init(name: "lang", value: "vi")])
        #expect(link.uri == "https://truyxuat.example.vn/dl/01/08938512345017/10/MD250314A?17=260331&lang=vi")
        #expect(thrownError { try DigitalLink(message, resolver: "ftp://x.vn") } == .invalidResolver("ftp://x.vn"))
        #expect(thrownError { try DigitalLink(message, resolver: "https://x.vn/a?b=1") } == .invalidResolver("https://x.vn/a?b=1"))
        #expect(thrownError { try DigitalLink(message, otherParameters: [.init(name: "17", value: "1")]) }
                == .notADigitalLink(reason: "the extra query parameter name \"17\" is empty or all digits, which GS1 reserves for AIs"))
    }

    @Test("A message without a primary key has no Digital Link")
    func noPrimaryKey() throws {
        let partial = try GS1Message(parsing: "(02)08938512345017(37)24", checkingAssociations: false)
        #expect(thrownError { try partial.digitalLink() } == .missingPrimaryKey)
    }
}
