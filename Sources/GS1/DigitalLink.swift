/// A GS1 Digital Link URI (GS1 Digital Link standard: URI syntax, 1.2 and later):
/// `https://<resolver>/<primary key>/<value>[/<qualifier>/<value>…][?<AI>=<value>&…]`.
///
/// The same GS1 data as an element string, written as a web address so a consumer's phone can open
/// it and a GS1 scanner can still read the AIs. The path holds one primary key (01 GTIN, 00 SSCC,
/// 414 GLN, 8004 GIAI, …) and its key qualifiers in the order the standard fixes (for 01: 22, 10,
/// 21, or 235); the query string holds data attributes such as expiry (17). Values are
/// percent-encoded, so a serial like `A/B?#&%` survives the trip through a browser.
public struct DigitalLink: Sendable, Hashable, CustomStringConvertible {
    /// A query-string parameter that is not a GS1 AI (for example `utm_source`), kept so that
    /// rebuilding the URI does not drop a resolver's or marketer's parameters.
    public struct QueryParameter: Sendable, Hashable {
        /// The decoded parameter name.
        public let name: String
        /// The decoded value, or `nil` for a parameter written without `=`.
        public let value: String?

        /// A parameter to append to a Digital Link's query string.
        public init(name: String, value: String?) {
            self.name = name
            self.value = value
        }
    }

    /// GS1's own resolver, the domain the standard uses for canonical URIs.
    public static let canonicalResolver = "https://id.gs1.org"

    /// `http` or `https`.
    public let scheme: String
    /// The host, with port if one was given (`id.gs1.org`, `trace.example.vn:8443`).
    public let host: String
    /// Path segments before the primary key, as written (`""` or for example `/dl`).
    public let pathPrefix: String
    /// The primary key element (AI 01, 00, 414, …).
    public let primaryKey: GS1Element
    /// The key qualifiers from the path, in path order.
    public let qualifiers: [GS1Element]
    /// The data attributes from the query string, in query order.
    public let attributes: [GS1Element]
    /// Query parameters that are not GS1 AIs, in order.
    public let otherParameters: [QueryParameter]

    /// All GS1 elements: primary key, qualifiers, then attributes.
    public var elements: [GS1Element] { [primaryKey] + qualifiers + attributes }

    /// The GS1 data as a message (for element strings and bracketed text).
    public var message: GS1Message { GS1Message(validated: elements) }

    /// `scheme://host/pathPrefix`, the part before the primary key.
    public var resolver: String { "\(scheme)://\(host)\(pathPrefix)" }

    /// The URI, with values percent-encoded and non-GS1 parameters appended after the AIs.
    public var uri: String {
        build(resolver: resolver, includingOtherParameters: true)
    }

    /// The canonical URI: GS1's resolver domain, numeric AIs, no non-GS1 parameters
    /// (GS1 Digital Link standard, canonical GS1 Digital Link URI).
    public var canonicalURI: String {
        build(resolver: DigitalLink.canonicalResolver, includingOtherParameters: false)
    }

    /// The URI, as ``uri``.
    public var description: String { uri }

    // MARK: - Parsing

    /// Parses a GS1 Digital Link URI.
    ///
    /// Accepts any `http`/`https` host and any path before the primary key (found, as in the GS1
    /// reference implementation, by walking AI/value pairs back from the end of the path), the
    /// deprecated convenience short names (`gtin`, `lot`, `ser`, …) in the path, and a GTIN-8,
    /// -12 or -13 as the AI (01) value (padded to 14 digits). A fragment (`#…`) is ignored.
    ///
    /// - Parameter checkingAssociations: also apply the AI association rules of GS1 General
    ///   Specifications §4.14 to the decoded elements.
    public init(parsing text: String, checkingAssociations: Bool = true) throws(GS1Error) {
        let uri = GS1Message.trimLineEndings(text)
        guard !uri.isEmpty else { throw .emptyInput }
        let (scheme, host, afterHost) = try DigitalLink.splitSchemeAndHost(uri)
        var remainder = Substring(afterHost)
        if let hash = remainder.firstIndex(of: "#") { remainder = remainder[..<hash] }
        var query: Substring?
        if let question = remainder.firstIndex(of: "?") {
            query = remainder[remainder.index(after: question)...]
            remainder = remainder[..<question]
        }

        let (prefix, pathPairs) = try DigitalLink.splitPath(remainder)
        var pathElements: [GS1Element] = []
        for (index, pair) in pathPairs.enumerated() {
            guard let decoded = PercentEncoding.decode(pair.rawValue, plusAsSpace: false) else {
                throw .malformedPercentEncoding(text: String(pair.rawValue))
            }
            var value = decoded
            if index == 0 && pair.ai.code == "01" && [8, 12, 13].contains(value.count)
                && value.unicodeScalars.allSatisfy({ CheckDigit.asciiDigit($0) != nil }) {
                value = String(repeating: "0", count: 14 - value.count) + value
            }
            pathElements.append(try GS1Element(ai: pair.ai.code, value: value))
        }
        let key = pathElements[0]
        let qualifiers = Array(pathElements.dropFirst())
        try DigitalLink.validateQualifiers(qualifiers.map(\.ai), for: key.definition)

        var attributes: [GS1Element] = []
        var others: [QueryParameter] = []
        for item in (query ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let equals = item.firstIndex(of: "=")
            let rawName = equals.map { item[..<$0] } ?? item
            let rawValue = equals.map { item[item.index(after: $0)...] }
            guard let name = PercentEncoding.decode(rawName, plusAsSpace: true) else {
                throw .malformedPercentEncoding(text: String(rawName))
            }
            var value: String?
            if let rawValue {
                guard let decoded = PercentEncoding.decode(rawValue, plusAsSpace: true) else {
                    throw .malformedPercentEncoding(text: String(rawValue))
                }
                value = decoded
            }
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ CheckDigit.asciiDigit($0) != nil }) else {
                others.append(QueryParameter(name: name, value: value))
                continue
            }
            guard ApplicationIdentifier.lookup(name) != nil else { throw .unknownAI(prefix: name) }
            if pathElements.contains(where: { $0.ai == name }) || attributes.contains(where: { $0.ai == name }) {
                throw .duplicateAI(ai: name)
            }
            if DigitalLink.identityKeys.contains(name) { throw .notADataAttribute(ai: name) }
            if DigitalLink.belongsInPath(name, key: key.definition, qualifiers: qualifiers.map(\.ai)) {
                throw .qualifierNotInPath(ai: name)
            }
            attributes.append(try GS1Element(ai: name, value: value ?? ""))
        }

        if checkingAssociations {
            try GS1Message.validateAssociations(pathElements + attributes)
        }
        self.scheme = scheme
        self.host = host
        self.pathPrefix = prefix
        self.primaryKey = key
        self.qualifiers = qualifiers
        self.attributes = attributes
        self.otherParameters = others
    }

    // MARK: - Building

    /// Builds the Digital Link for `message` under `resolver` (`https://host[/path]`).
    ///
    /// The first element whose AI is a Digital Link primary key goes in the path, followed by the
    /// qualifiers present for it in the standard's order (choosing the qualifier sequence that
    /// covers most of them); every other element becomes a query attribute, in message order.
    /// `otherParameters` are appended after the AIs.
    public init(_ message: GS1Message, resolver: String = DigitalLink.canonicalResolver,
                otherParameters: [QueryParameter] = []) throws(GS1Error) {
        let (scheme, host, prefix) = try DigitalLink.parseResolver(resolver)
        guard let keyIndex = message.elements.firstIndex(where: { $0.definition.isDigitalLinkPrimaryKey }) else {
            throw .missingPrimaryKey
        }
        let key = message.elements[keyIndex]
        let present = Set(message.elements.map(\.ai))
        var best: [String] = []
        var bestCount = -1
        for sequence in key.definition.digitalLinkQualifiers ?? [[]] {
            let count = sequence.filter(present.contains).count
            if count > bestCount {
                best = sequence
                bestCount = count
            }
        }
        var used: Set<Int> = [keyIndex]
        var qualifiers: [GS1Element] = []
        for code in best {
            if let index = message.elements.indices.first(where: { !used.contains($0) && message.elements[$0].ai == code }) {
                qualifiers.append(message.elements[index])
                used.insert(index)
            }
        }
        var attributes: [GS1Element] = []
        for (index, element) in message.elements.enumerated() where !used.contains(index) {
            if DigitalLink.identityKeys.contains(element.ai) { throw .notADataAttribute(ai: element.ai) }
            attributes.append(element)
        }
        for parameter in otherParameters
        where parameter.name.isEmpty || parameter.name.unicodeScalars.allSatisfy({ CheckDigit.asciiDigit($0) != nil }) {
            throw .notADigitalLink(reason: "the extra query parameter name \"\(parameter.name)\" is empty or all digits, which GS1 reserves for AIs")
        }
        self.scheme = scheme
        self.host = host
        self.pathPrefix = prefix
        self.primaryKey = key
        self.qualifiers = qualifiers
        self.attributes = attributes
        self.otherParameters = otherParameters
    }

    private func build(resolver: String, includingOtherParameters: Bool) -> String {
        var result = resolver
        for element in [primaryKey] + qualifiers {
            result += "/" + element.ai + "/" + PercentEncoding.encode(element.value)
        }
        var parameters = attributes.map { $0.ai + "=" + PercentEncoding.encode($0.value) }
        if includingOtherParameters {
            parameters += otherParameters.map { parameter in
                PercentEncoding.encode(parameter.name) + (parameter.value.map { "=" + PercentEncoding.encode($0) } ?? "")
            }
        }
        if !parameters.isEmpty {
            result += "?" + parameters.joined(separator: "&")
        }
        return result
    }

    // MARK: - Rules

    /// Primary keys that identify something on their own and so cannot be query attributes of
    /// another key. The GLN keys (414, 415, 417) are excluded because the standard also lists
    /// them as data attributes (e.g. the location a product is at).
    static let identityKeys: Set<String> = ["00", "01", "253", "255", "401", "402", "8003", "8004", "8006", "8010", "8013", "8017", "8018"]

    /// Checks a path's qualifier AIs against the key's allowed sequences.
    static func validateQualifiers(_ qualifiers: [String], for key: ApplicationIdentifier) throws(GS1Error) {
        var seen: Set<String> = []
        for code in qualifiers where !seen.insert(code).inserted {
            throw .duplicateAI(ai: code)
        }
        let sequences = key.digitalLinkQualifiers ?? [[]]
        if sequences.contains(where: { isOrderedSubset(qualifiers, of: $0) }) { return }
        if let foreign = qualifiers.first(where: { code in !sequences.contains { $0.contains(code) } }) {
            throw .qualifierNotAllowed(ai: foreign, primaryKey: key.code)
        }
        if let sequence = sequences.first(where: { sequence in qualifiers.allSatisfy(sequence.contains) }) {
            for (earlier, later) in zip(qualifiers, qualifiers.dropFirst()) {
                if let a = sequence.firstIndex(of: earlier), let b = sequence.firstIndex(of: later), b < a {
                    throw .qualifierOutOfOrder(ai: later, after: earlier)
                }
            }
        }
        // The qualifiers come from different alternative sequences (e.g. 21 and 235 after 01).
        let first = qualifiers[0]
        let firstSequence = sequences.first { $0.contains(first) } ?? []
        let conflicting = qualifiers.first { !firstSequence.contains($0) } ?? first
        throw .invalidPair(ai: conflicting, with: first)
    }

    /// Whether a query AI is a qualifier that, inserted into the path, would form a valid sequence.
    static func belongsInPath(_ code: String, key: ApplicationIdentifier, qualifiers: [String]) -> Bool {
        let sequences = key.digitalLinkQualifiers ?? [[]]
        for position in 0...qualifiers.count {
            var candidate = qualifiers
            candidate.insert(code, at: position)
            if sequences.contains(where: { isOrderedSubset(candidate, of: $0) }) { return true }
        }
        return false
    }

    private static func isOrderedSubset(_ codes: [String], of sequence: [String]) -> Bool {
        var position = sequence.startIndex
        for code in codes {
            guard let found = sequence[position...].firstIndex(of: code) else { return false }
            position = sequence.index(after: found)
        }
        return true
    }

    // MARK: - URI syntax

    /// RFC 3986 characters allowed to appear literally in a URI.
    private static func isURICharacter(_ scalar: Unicode.Scalar) -> Bool {
        guard scalar.isASCII else { return false }
        if PercentEncoding.isUnreserved(UInt8(scalar.value)) { return true }
        return ":/?#[]@!$&'()*+,;=%".unicodeScalars.contains(scalar)
    }

    /// Characters that may not appear in the host part (user info, delimiters, escapes).
    private static let badHostCharacters = Set("_~?#@!$&'()*+,;=%".unicodeScalars)

    /// Splits `scheme://host` from the rest, validating both.
    private static func splitSchemeAndHost(_ uri: String) throws(GS1Error) -> (String, String, String) {
        for (offset, scalar) in uri.unicodeScalars.enumerated() where !isURICharacter(scalar) {
            let shown = scalar == " " ? "a space" : (scalar.value < 0x20 || scalar.value >= 0x7F
                ? "U+" + String(scalar.value, radix: 16, uppercase: true) : "'\(Character(scalar))'")
            throw .notADigitalLink(reason: "it contains \(shown) at position \(offset + 1), which must be percent-encoded in a URI")
        }
        guard let separator = uri.range(of: "://") else {
            throw .notADigitalLink(reason: "it does not start with http:// or https://")
        }
        let scheme = uri[..<separator.lowerBound].lowercased()
        guard scheme == "https" || scheme == "http" else {
            throw .notADigitalLink(reason: "the scheme is \"\(uri[..<separator.lowerBound])\", not http or https")
        }
        let afterScheme = uri[separator.upperBound...]
        let hostEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let host = String(afterScheme[..<hostEnd])
        guard !host.isEmpty else {
            throw .notADigitalLink(reason: "it has no host name")
        }
        if let bad = host.unicodeScalars.first(where: badHostCharacters.contains) {
            throw .notADigitalLink(reason: "the host \"\(host)\" contains '\(Character(bad))'")
        }
        return (scheme, host, String(afterScheme[hostEnd...]))
    }

    private struct PathPair {
        let ai: ApplicationIdentifier
        let rawValue: Substring
    }

    /// Finds the primary key in the path (walking AI/value pairs back from the end, as the GS1
    /// reference implementation does, so a stem may contain anything) and returns the stem and pairs.
    private static func splitPath(_ path: Substring) throws(GS1Error) -> (String, [PathPair]) {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.count > 2 && segments.last?.isEmpty == true { segments.removeLast() }
        var root: Int?
        var passed: [ApplicationIdentifier] = []
        var index = segments.count - 2
        while index >= 1 {
            guard let ai = ApplicationIdentifier.forDigitalLinkKey(String(segments[index])) else { break }
            if ai.isDigitalLinkPrimaryKey {
                root = index
                break
            }
            passed.append(ai)
            index -= 2
        }
        guard let root else {
            if let key = segments.dropFirst().compactMap({ ApplicationIdentifier.forDigitalLinkKey(String($0)) })
                .first(where: \.isDigitalLinkPrimaryKey) {
                throw .notADigitalLink(reason: "the path after the primary key (\(key.code)) must be AI/value pairs, and \"\(path)\" is not")
            }
            if let orphan = passed.last(where: isQualifier) {
                throw .qualifierWithoutPrimaryKey(ai: orphan.code)
            }
            throw .missingPrimaryKey
        }
        let stem = segments[1..<root].joined(separator: "/")
        var pairs: [PathPair] = []
        var position = root
        while position + 1 < segments.count {
            guard let ai = ApplicationIdentifier.forDigitalLinkKey(String(segments[position])) else { break }
            pairs.append(PathPair(ai: ai, rawValue: segments[position + 1]))
            position += 2
        }
        return (stem.isEmpty ? "" : "/" + stem, pairs)
    }

    private static func isQualifier(_ ai: ApplicationIdentifier) -> Bool {
        AITable.entries.contains { $0.digitalLinkQualifiers?.contains { $0.contains(ai.code) } ?? false }
    }

    /// Splits and validates a resolver `http(s)://host[/path]`.
    private static func parseResolver(_ resolver: String) throws(GS1Error) -> (String, String, String) {
        let parts: (String, String, String)
        do throws(GS1Error) {
            parts = try splitSchemeAndHost(resolver)
        } catch {
            throw .invalidResolver(resolver)
        }
        var path = parts.2
        guard !path.contains("?"), !path.contains("#") else { throw .invalidResolver(resolver) }
        while path.hasSuffix("/") { path.removeLast() }
        return (parts.0, parts.1, path)
    }
}

extension GS1Message {
    /// This message as a GS1 Digital Link under `resolver`; see ``DigitalLink/init(_:resolver:otherParameters:)``.
    public func digitalLink(resolver: String = DigitalLink.canonicalResolver) throws(GS1Error) -> DigitalLink {
        try DigitalLink(self, resolver: resolver)
    }
}
