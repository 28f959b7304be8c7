import Crypto
import Foundation

/// The CBV 2.0 event hash ID of an event (CBV 2.0 §8.9, "Event hash ID"), with the pre-hash
/// string it was computed from.
///
/// The hash identifies an event by its content, independent of JSON key order, whitespace,
/// identifier spelling (EPC URI vs. Digital Link) or time zone, so a station and the server
/// derive the same ID without coordination, and duplicates are recognised on upload.
public struct EventHash: Sendable, Hashable, CustomStringConvertible {
    /// The canonical concatenation that was hashed; compare these to find why two
    /// implementations disagree.
    public let preHashString: String
    /// The SHA-256 digest of the UTF-8 pre-hash string.
    public let digest: [UInt8]

    /// Hashes an already-built pre-hash string.
    public init(preHashString: String) {
        self.preHashString = preHashString
        self.digest = Array(SHA256.hash(data: Array(preHashString.utf8)))
    }

    /// The digest in lowercase hexadecimal.
    public var hexDigest: String {
        let hex = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(digest.count * 2)
        for byte in digest {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The RFC 6920 `ni` URI used as an event ID: `ni:///sha-256;<hex>?ver=CBV2.0`.
    public var id: String { "ni:///sha-256;" + hexDigest + "?ver=CBV2.0" }

    /// The ``id``.
    public var description: String { id }
}

extension EPCISEvent {
    /// Computes the CBV 2.0 event hash ID and its pre-hash string.
    public func eventHash() -> EventHash {
        EventHash(preHashString: PreHashBuilder.preHashString(for: self))
    }
}

extension ObjectEvent {
    /// Computes the CBV 2.0 event hash ID and its pre-hash string.
    public func eventHash() -> EventHash { EPCISEvent.object(self).eventHash() }
}

extension AggregationEvent {
    /// Computes the CBV 2.0 event hash ID and its pre-hash string.
    public func eventHash() -> EventHash { EPCISEvent.aggregation(self).eventHash() }
}

/// Builds the pre-hash string: `key=value` pairs in the canonical property order, no
/// separators, lists sorted by code point, identifiers and vocabulary canonicalised.
///
/// Excluded by the algorithm: `eventID`, `recordTime` and `errorDeclaration` (a declared error
/// keeps the ID of the event it retracts).
enum PreHashBuilder {
    static func preHashString(for event: EPCISEvent) -> String {
        var out = "eventType=" + event.eventType.rawValue
        out += "eventTime=" + TimeParsing.format(milliseconds: EPCISInstant.milliseconds(event.eventTime), offset: nil)
        out += "eventTimeZoneOffset=" + event.eventTimeZoneOffset.rawValue

        let readPoint: String?
        let bizLocation: String?
        let bizTransactions: [BizTransaction]
        var ilmd: [ExtensionField] = []
        var extensions: [ExtensionField]
        switch event {
        case .object(let e):
            out += list("epcList", e.epcList.map { "epc=" + EPCISCanonicalization.hashValue($0) })
            out += list("quantityList", e.quantityList.map(quantityElement))
            readPoint = e.readPoint
            bizLocation = e.bizLocation
            bizTransactions = e.bizTransactionList
            ilmd = e.ilmd.fields
            extensions = e.extensions
        case .aggregation(let e):
            if let parent = e.parentID { out += pair("parentID", parent) }
            out += list("childEPCs", e.childEPCs.map { "epc=" + EPCISCanonicalization.hashValue($0) })
            out += list("childQuantityList", e.childQuantityList.map(quantityElement))
            readPoint = e.readPoint
            bizLocation = e.bizLocation
            bizTransactions = e.bizTransactionList
            extensions = e.extensions
        }
        extensions = (event.station?.extensionFields ?? []) + extensions

        out += "action=" + event.action.rawValue
        if let step = event.bizStep { out += pair("bizStep", step.uri) }
        if let disposition = event.disposition { out += pair("disposition", disposition.uri) }
        if let readPoint { out += "readPoint" + pair("id", readPoint) }
        if let bizLocation { out += "bizLocation" + pair("id", bizLocation) }
        out += list("bizTransactionList", bizTransactions.map { transaction in
            // CBV 2.0 (and GS1 issue RalphTro/epcis-event-hash-generator#80): type precedes the identifier.
            (transaction.type.map { pair("type", $0.uri) } ?? "") + pair("bizTransaction", transaction.id)
        })
        out += list("ilmd", ilmd.flatMap(elementStrings))
        out += sortedJoined(extensions.flatMap(elementStrings))
        return out
    }

    /// `key=value` with the value canonicalised; just `key` for an empty value (rule 3).
    private static func pair(_ key: String, _ value: String) -> String {
        let canonical = EPCISCanonicalization.hashValue(value)
        return canonical.isEmpty ? key : key + "=" + canonical
    }

    /// A named list: the name once, then its elements sorted; nothing at all when empty (rule 4).
    private static func list(_ name: String, _ elements: [String]) -> String {
        elements.isEmpty ? "" : name + sortedJoined(elements)
    }

    /// Rule 10: case-sensitive ordering by code point (UTF-8 byte order), not Unicode collation.
    private static func sortedJoined(_ elements: [String]) -> String {
        elements.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }.joined()
    }

    private static func quantityElement(_ q: QuantityElement) -> String {
        var s = "quantityElement" + pair("epcClass", q.epcClass)
        if let quantity = q.quantity { s += "quantity=" + EPCISCanonicalization.format(number: quantity) }
        if let uom = q.uom { s += pair("uom", uom) }
        return s
    }

    /// Rules 19–20: `{namespace}local=value`; a structured element is its name followed by its
    /// sorted children; a repeated element contributes one string per occurrence.
    private static func elementStrings(_ field: ExtensionField) -> [String] {
        let name = field.name.clarkNotation
        switch field.value {
        case .array(let values):
            return values.flatMap { elementStrings(ExtensionField(field.name, $0)) }
        case .object(let children):
            return [name + sortedJoined(children.flatMap(elementStrings))]
        case .string(let s):
            return [pair(name, s)]
        case .number(let n):
            return [name + "=" + EPCISCanonicalization.format(number: n)]
        case .bool(let b):
            return [name + "=" + (b ? "true" : "false")]
        }
    }
}
