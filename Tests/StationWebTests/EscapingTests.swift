import Testing
@testable import StationWeb

@Suite("HTML escaping")
struct EscapingTests {
    @Test func everyMarkupCharacterIsEscaped() {
        #expect(escapeHTML(#"<a href="x" title='y'>&</a>"#) == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
    }

    @Test func vietnameseTextPassesUnchanged() {
        #expect(escapeHTML("Miến dong Bắc Kạn — Thanh trà Huế") == "Miến dong Bắc Kạn — Thanh trà Huế")
    }
}
