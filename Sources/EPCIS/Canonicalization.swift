import Foundation

/// The value normalisation rules of the CBV 2.0 event hash (rules 5–7 and 14–18), exposed so
/// servers can index identifiers the same way the hash sees them.
public enum EPCISCanonicalization {
    /// The constrained canonical GS1 Digital Link for an identifier, or `nil` if `value` is not
    /// a recognisable GS1 identifier URI.
    ///
    /// Accepts EPC URIs (`urn:epc:id:sgtin:…` and the other EPC schemes), EPC class URIs
    /// (`urn:epc:class:lgtin:…`), EPC pattern URIs (`urn:epc:idpat:…:*`) and GS1 Digital Link
    /// URIs on any domain. The result uses `https://id.gs1.org`, has no query string, no
    /// consumer product variant (AI 22), pads GTINs to 14 digits, and keeps only the finest
    /// identification level (serial wins over lot).
    public static func canonicalIdentifier(_ value: String) -> String? {
        if value.hasPrefix("urn:epc:") { return EPCURIConverter.digitalLink(fromEPCURI: value) }
        return DigitalLinkConstrainer.constrain(value)
    }

    /// The GS1 check digit for a string of digits (GS1 General Specifications §7.9.1).
    public static func checkDigit(for digits: some StringProtocol) -> Int? {
        var sum = 0
        var weight = 3
        for c in digits.utf8.reversed() {
            guard c >= UInt8(ascii: "0"), c <= UInt8(ascii: "9") else { return nil }
            sum += Int(c - UInt8(ascii: "0")) * weight
            weight = weight == 3 ? 1 : 3
        }
        return (10 - sum % 10) % 10
    }

    /// A value as it enters the pre-hash string.
    ///
    /// Trims surrounding whitespace, rewrites CBV URNs to GS1 web URIs, expands the standard
    /// `gs1:`/`cbv:`/`epcis:` CURIEs, writes decimal numbers in shortest form without trailing
    /// zeros, and constrains GS1 identifiers to canonical Digital Links. Values that look like
    /// numbers are treated as numbers even when they are JSON strings (`"0042"` → `42`): the
    /// XML binding cannot tell the two apart, and the reference implementations agree on it.
    static func hashValue(_ raw: String) -> String {
        let trimmed = trimmedWhitespace(raw)
        guard !trimmed.isEmpty else { return "" }
        let vocabulary = expandStandardCURIE(webVocabulary(trimmed))
        if let number = canonicalNumber(vocabulary) { return number }
        return canonicalIdentifier(vocabulary) ?? vocabulary
    }

    /// `raw` without leading and trailing white space; returns `raw` itself (no copy, no bridging
    /// to NSString) in the usual case where there is none, which matters on the hashing hot path.
    static func trimmedWhitespace(_ raw: String) -> String {
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || (0x09...0x0D).contains(b) }
        guard let first = raw.utf8.first, let last = raw.utf8.last else { return raw }
        if !isSpace(first) && !isSpace(last) && first < 0x80 && last < 0x80 { return raw }
        return raw.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Rule 14: legacy CBV URNs become GS1 web URIs.
    static func webVocabulary(_ value: String) -> String {
        let table = [
            ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-"),
            ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-"),
            ("urn:epcglobal:cbv:btt:", "https://ref.gs1.org/cbv/BTT-"),
            ("urn:epcglobal:cbv:sdt:", "https://ref.gs1.org/cbv/SDT-"),
            ("urn:epcglobal:cbv:er:", "https://ref.gs1.org/cbv/ER-"),
        ]
        for (urn, web) in table where value.hasPrefix(urn) {
            return web + value.dropFirst(urn.count)
        }
        return value
    }

    /// Rule 15, for the CURIE prefixes the GS1 context itself defines.
    static func expandStandardCURIE(_ value: String) -> String {
        let table = [
            ("gs1:", EPCISNamespace.gs1Vocabulary),
            ("cbv:", "https://ref.gs1.org/cbv/"),
            ("epcis:", "https://ref.gs1.org/epcis/"),
        ]
        for (prefix, namespace) in table where value.hasPrefix(prefix) {
            return namespace + value.dropFirst(prefix.count)
        }
        return value
    }

    /// Rules 6–7: a decimal literal in shortest round-trip form, integral values without a
    /// fraction (`2.50` → `2.5`, `10.0` → `10`, `+007` → `7`); `nil` if `text` is not a number.
    static func canonicalNumber(_ text: String) -> String? {
        let b = Array(text.utf8)
        var i = 0
        if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
        var mantissaDigits = 0
        while i < b.count, URISyntax.isDigit(b[i]) { i += 1; mantissaDigits += 1 }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, URISyntax.isDigit(b[i]) { i += 1; mantissaDigits += 1 }
        }
        guard mantissaDigits > 0 else { return nil }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            var exponentDigits = 0
            while i < b.count, URISyntax.isDigit(b[i]) { i += 1; exponentDigits += 1 }
            guard exponentDigits > 0 else { return nil }
        }
        guard i == b.count, let value = Double(text), value.isFinite else { return nil }
        return format(number: value)
    }

    /// Shortest round-trip decimal; integral values as plain integers (`-0` as `0`).
    static func format(number value: Double) -> String {
        if value == value.rounded() {
            return value == 0 ? "0" : String(format: "%.0f", value)
        }
        return value.description
    }
}

// MARK: - EPC URI → GS1 Digital Link (EPC Tag Data Standard §6, GS1 Digital Link §4.11)

enum EPCURIConverter {
    private static let base = "https://id.gs1.org/"

    static func digitalLink(fromEPCURI uri: String) -> String? {
        let parts = uri.split(separator: ":", maxSplits: 4, omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "urn", parts[1] == "epc" else { return nil }
        let body = String(parts[4])
        switch (parts[2], parts[3]) {
        case ("id", let scheme): return instance(scheme: String(scheme), body: body)
        case ("class", "lgtin"):
            guard let f = fields(body, 3), let gtin = gtin14(f[0], f[1]), isEPCText(f[2], max: 20) else { return nil }
            return base + "01/" + gtin + "/10/" + percentEncode(f[2])
        case ("idpat", let scheme): return pattern(scheme: String(scheme), body: body)
        default: return nil
        }
    }

    private static func instance(scheme: String, body: String) -> String? {
        switch scheme {
        case "sgtin":
            guard let f = fields(body, 3), let gtin = gtin14(f[0], f[1]), isEPCText(f[2], max: 20) else { return nil }
            return base + "01/" + gtin + "/21/" + percentEncode(f[2])
        case "sscc":
            guard let f = fields(body, 2), isCompanyPrefix(f[0]), isDigits(f[1]), f[0].count + f[1].count == 17 else { return nil }
            return base + "00/" + withCheckDigit(String(f[1].prefix(1)) + f[0] + f[1].dropFirst())
        case "sgln":
            guard let f = fields(body, 3), let gln = key(f[0], f[1], total: 12), isEPCText(f[2], max: 20) else { return nil }
            return base + "414/" + withCheckDigit(gln) + (f[2] == "0" ? "" : "/254/" + percentEncode(f[2]))
        case "grai":
            guard let f = fields(body, 3), let raw = key(f[0], f[1], total: 12), isEPCText(f[2], max: 16) else { return nil }
            return base + "8003/" + withCheckDigit("0" + raw) + percentEncode(f[2])
        case "giai":
            guard let f = fields(body, 2), isCompanyPrefix(f[0]), isEPCText(f[1], max: 30 - f[0].count) else { return nil }
            return base + "8004/" + f[0] + percentEncode(f[1])
        case "gsrn", "gsrnp":
            guard let f = fields(body, 2), let raw = key(f[0], f[1], total: 17) else { return nil }
            return base + (scheme == "gsrn" ? "8018/" : "8017/") + withCheckDigit(raw)
        case "gdti":
            guard let f = fields(body, 3), let raw = key(f[0], f[1], total: 12), isEPCText(f[2], max: 17) else { return nil }
            return base + "253/" + withCheckDigit(raw) + percentEncode(f[2])
        case "cpi":
            guard let f = fields(body, 3), isCompanyPrefix(f[0]), isCPIReference(f[1]), isDigits(f[2]), f[2].count <= 12 else { return nil }
            return base + "8010/" + percentEncode(f[0] + f[1]) + "/8011/" + f[2]
        case "sgcn":
            guard let f = fields(body, 3), let raw = key(f[0], f[1], total: 12), isDigits(f[2]), f[2].count <= 12 else { return nil }
            return base + "255/" + withCheckDigit(raw) + f[2]
        case "ginc":
            guard let f = fields(body, 2), isCompanyPrefix(f[0]), isEPCText(f[1], max: 30 - f[0].count) else { return nil }
            return base + "401/" + f[0] + percentEncode(f[1])
        case "gsin":
            guard let f = fields(body, 2), let raw = key(f[0], f[1], total: 16) else { return nil }
            return base + "402/" + withCheckDigit(raw)
        case "itip":
            guard let f = fields(body, 5), let gtin = gtin14(f[0], f[1]), isDigits(f[2]), f[2].count == 2,
                  isDigits(f[3]), f[3].count == 2, isEPCText(f[4], max: 20) else { return nil }
            return base + "8006/" + gtin + f[2] + f[3] + "/21/" + percentEncode(f[4])
        case "upui":
            guard let f = fields(body, 3), let gtin = gtin14(f[0], f[1]), isEPCText(f[2], max: 28) else { return nil }
            return base + "01/" + gtin + "/235/" + percentEncode(f[2])
        case "pgln":
            guard let f = fields(body, 2), let raw = key(f[0], f[1], total: 12) else { return nil }
            return base + "417/" + withCheckDigit(raw)
        default:
            return nil
        }
    }

    private static func pattern(scheme: String, body: String) -> String? {
        switch scheme {
        case "sgtin", "upui":
            guard let f = fields(body, 3), f[2] == "*", let gtin = gtin14(f[0], f[1]) else { return nil }
            return base + "01/" + gtin
        case "grai":
            guard let f = fields(body, 3), f[2] == "*", let raw = key(f[0], f[1], total: 12) else { return nil }
            return base + "8003/" + withCheckDigit("0" + raw)
        case "gdti", "sgcn":
            guard let f = fields(body, 3), f[2] == "*", let raw = key(f[0], f[1], total: 12) else { return nil }
            return base + (scheme == "gdti" ? "253/" : "255/") + withCheckDigit(raw)
        case "cpi":
            guard let f = fields(body, 3), f[2] == "*", isCompanyPrefix(f[0]), isCPIReference(f[1]) else { return nil }
            return base + "8010/" + percentEncode(f[0] + f[1])
        case "itip":
            guard let f = fields(body, 5), f[4] == "*", let gtin = gtin14(f[0], f[1]), isDigits(f[2]), f[2].count == 2,
                  isDigits(f[3]), f[3].count == 2 else { return nil }
            return base + "8006/" + gtin + f[2] + f[3]
        default:
            return nil
        }
    }

    /// Splits an EPC URI body on `.` into exactly `count` fields; the last field keeps any
    /// further dots (serials may contain them).
    private static func fields(_ body: String, _ count: Int) -> [String]? {
        let f = body.split(separator: ".", maxSplits: count - 1, omittingEmptySubsequences: false).map(String.init)
        return f.count == count ? f : nil
    }

    private static func isDigits(_ s: String) -> Bool { s.utf8.allSatisfy(URISyntax.isDigit) }

    private static func isCompanyPrefix(_ s: String) -> Bool { (6...12).contains(s.count) && isDigits(s) }

    /// Company prefix + reference, together `total` digits (the reference may be empty).
    private static func key(_ prefix: String, _ reference: String, total: Int) -> String? {
        guard isCompanyPrefix(prefix), isDigits(reference), prefix.count + reference.count == total else { return nil }
        return prefix + reference
    }

    /// SGTIN-style company prefix + indicator/item reference → GTIN-14 with check digit.
    private static func gtin14(_ prefix: String, _ itemReference: String) -> String? {
        guard isCompanyPrefix(prefix), isDigits(itemReference), prefix.count + itemReference.count == 13 else { return nil }
        return withCheckDigit(String(itemReference.prefix(1)) + prefix + itemReference.dropFirst())
    }

    private static func withCheckDigit(_ digits: String) -> String {
        digits + String(EPCISCanonicalization.checkDigit(for: digits) ?? 0)
    }

    /// EPC URI text: the TDS graphic symbols allowed unescaped, or `%XX`; at most `max` characters.
    private static func isEPCText(_ s: String, max: Int) -> Bool {
        let allowed = Set("!'()*+,.0123456789:;=ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-".utf8)
        let b = Array(s.utf8)
        var i = 0
        var characters = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 2 < b.count, isHex(b[i + 1]), isHex(b[i + 2]) else { return false }
                i += 3
            } else {
                guard allowed.contains(b[i]) else { return false }
                i += 1
            }
            characters += 1
        }
        return characters >= 1 && characters <= max
    }

    private static func isCPIReference(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { URISyntax.isDigit($0) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z")) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "%") }
    }

    static func isHex(_ c: UInt8) -> Bool {
        URISyntax.isDigit(c) || (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "f")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "F"))
    }

    /// Characters GS1 Digital Link requires escaped that EPC URIs may carry raw (DL Table 7-1).
    static func percentEncode(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "!": out += "%21"
            case "(": out += "%28"
            case ")": out += "%29"
            case "*": out += "%2A"
            case "+": out += "%2B"
            case ",": out += "%2C"
            case ":": out += "%3A"
            default: out.append(ch)
            }
        }
        return out
    }
}

// MARK: - GS1 Digital Link → constrained canonical form (CBV 2.0 hash rule 18)

enum DigitalLinkConstrainer {
    private static let shortNames: [String: String] = [
        "gtin": "01", "itip": "8006", "cpid": "8010", "gln": "414", "party": "417", "gsrnp": "8017",
        "gsrn": "8018", "gcn": "255", "sscc": "00", "gdti": "253", "ginc": "401", "gsin": "402",
        "grai": "8003", "giai": "8004", "cpv": "22", "lot": "10", "ser": "21",
    ]
    private static let primaryKeys: Set<String> = [
        "01", "8006", "8010", "414", "417", "8017", "8018", "255", "00", "253", "401", "402", "8003", "8004",
    ]

    static func constrain(_ uri: String) -> String? {
        if isAlreadyConstrained(uri) { return uri }
        // CBV vocabulary URIs (every bizStep and disposition) are never Digital Links.
        if uri.utf8.starts(with: "https://ref.gs1.org/cbv/".utf8) { return nil }
        let lower = uri.lowercased()
        let afterScheme: Substring
        if lower.hasPrefix("https://") {
            afterScheme = uri.dropFirst(8)
        } else if lower.hasPrefix("http://") {
            afterScheme = uri.dropFirst(7)
        } else {
            return nil
        }
        var rest = afterScheme
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        guard let slash = rest.firstIndex(of: "/"), rest[..<slash].contains(".") else { return nil }
        var segments = rest[rest.index(after: slash)...].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.last == "" { segments.removeLast() }
        guard let keyIndex = segments.indices.first(where: { i in
            i + 1 < segments.count && primaryKeys.contains(shortNames[segments[i]] ?? segments[i])
                && segments[i + 1].utf8.prefix(4).count == 4 && segments[i + 1].utf8.prefix(4).allSatisfy(URISyntax.isDigit)
        }) else { return nil }
        let path = Array(segments[keyIndex...])
        guard path.count % 2 == 0 else { return nil }
        var pairs: [(ai: String, value: String)] = stride(from: 0, to: path.count, by: 2).map {
            (shortNames[path[$0]] ?? path[$0], path[$0 + 1])
        }
        if pairs[0].ai == "01", pairs[0].value.utf8.allSatisfy(URISyntax.isDigit), [8, 12, 13].contains(pairs[0].value.count) {
            pairs[0].value = String(repeating: "0", count: 14 - pairs[0].value.count) + pairs[0].value
        }
        pairs.removeAll { $0.ai == "22" }
        if pairs.contains(where: { $0.ai == "21" }) { pairs.removeAll { $0.ai == "10" } }
        guard isValid(pairs) else { return nil }
        return "https://id.gs1.org/" + pairs.map { $0.ai + "/" + $0.value }.joined(separator: "/")
    }

    /// True for the shapes stations write all day, already in canonical form:
    /// `https://id.gs1.org/01/<14 digits>[/21/<serial>]`, `.../414/<13 digits>[/254/<ext>]` and
    /// `.../00/<18 digits>`, with qualifier values of unreserved characters only (1–20 of them).
    /// For these `constrain` would return the input unchanged; checking the bytes directly keeps
    /// hashing off the slow general path.
    static func isAlreadyConstrained(_ uri: String) -> Bool {
        var bytes = uri.utf8[...]
        let prefix = "https://id.gs1.org/".utf8
        guard bytes.starts(with: prefix) else { return false }
        bytes = bytes.dropFirst(prefix.count)
        func take(_ s: String) -> Bool {
            guard bytes.starts(with: s.utf8) else { return false }
            bytes = bytes.dropFirst(s.utf8.count)
            return true
        }
        func digits(_ n: Int) -> Bool {
            guard bytes.count >= n, bytes.prefix(n).allSatisfy(URISyntax.isDigit) else { return false }
            bytes = bytes.dropFirst(n)
            return true
        }
        func plainText() -> Bool {
            let n = bytes.count
            guard (1...20).contains(n) else { return false }
            return bytes.allSatisfy { b in
                URISyntax.isDigit(b) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x2E || b == 0x5F
            }
        }
        if take("01/") {
            guard digits(14) else { return false }
            return bytes.isEmpty || (take("/21/") && plainText())
        }
        if take("414/") {
            guard digits(13) else { return false }
            return bytes.isEmpty || (take("/254/") && plainText())
        }
        if take("00/") { return digits(18) && bytes.isEmpty }
        return false
    }

    /// The key/qualifier combinations the CBV 2.0 hash admits (rule 18 III), with GS1 syntax.
    private static func isValid(_ pairs: [(ai: String, value: String)]) -> Bool {
        let key = pairs[0]
        let qualifiers = pairs.dropFirst().map(\.ai)
        let qualifierValue = pairs.count > 1 ? pairs[1].value : ""
        func digits(_ s: String, _ n: Int) -> Bool { s.count == n && s.utf8.allSatisfy(URISyntax.isDigit) }
        func digitsThenText(_ s: String, _ n: Int, max: Int) -> Bool {
            s.count >= n && digits(String(s.prefix(n)), n) && (s.count == n || isText(String(s.dropFirst(n)), max: max))
        }
        switch key.ai {
        case "00", "8017", "8018": return qualifiers.isEmpty && digits(key.value, 18)
        case "01":
            guard digits(key.value, 14) else { return false }
            switch qualifiers {
            case []: return true
            case ["21"], ["10"]: return isText(qualifierValue, max: 20)
            case ["235"]: return isText(qualifierValue, max: 28)
            default: return false
            }
        case "8006":
            guard digits(key.value, 18) else { return false }
            switch qualifiers {
            case []: return true
            case ["21"], ["10"]: return isText(qualifierValue, max: 20)
            default: return false
            }
        case "414":
            guard digits(key.value, 13) else { return false }
            switch qualifiers {
            case []: return true
            case ["254"]: return isText(qualifierValue, max: 20)
            default: return false
            }
        case "417": return qualifiers.isEmpty && digits(key.value, 13)
        case "402": return qualifiers.isEmpty && digits(key.value, 17)
        case "253": return qualifiers.isEmpty && digitsThenText(key.value, 13, max: 17)
        case "255":
            return qualifiers.isEmpty && key.value.count >= 13 && key.value.count <= 25 && key.value.utf8.allSatisfy(URISyntax.isDigit)
        case "8003": return qualifiers.isEmpty && digitsThenText(key.value, 14, max: 16)
        case "401", "8004": return qualifiers.isEmpty && isText(key.value, max: 30)
        case "8010":
            guard isComponentPartText(key.value) else { return false }
            switch qualifiers {
            case []: return true
            case ["8011"]: return !qualifierValue.isEmpty && qualifierValue.count <= 12 && qualifierValue.utf8.allSatisfy(URISyntax.isDigit)
            default: return false
            }
        default: return false
        }
    }

    /// GS1 AI encodable characters that may stand unescaped in a DL path, or `%XX`.
    private static func isText(_ s: String, max: Int) -> Bool {
        let allowed = Set("\"'-.0123456789;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
        return countCharacters(s, allowed: allowed).map { $0 >= 1 && $0 <= max } ?? false
    }

    private static func isComponentPartText(_ s: String) -> Bool {
        let allowed = Set("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        return countCharacters(s, allowed: allowed).map { $0 >= 1 && $0 <= 30 } ?? false
    }

    /// Characters after percent-decoding, or `nil` if a byte is outside `allowed`.
    private static func countCharacters(_ s: String, allowed: Set<UInt8>) -> Int? {
        let b = Array(s.utf8)
        var i = 0
        var n = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 2 < b.count, EPCURIConverter.isHex(b[i + 1]), EPCURIConverter.isHex(b[i + 2]) else { return nil }
                i += 3
            } else {
                guard allowed.contains(b[i]) else { return nil }
                i += 1
            }
            n += 1
        }
        return n
    }
}
