import EPCIS
import Foundation

/// EPCIS 2.0 documents the server hands out: query results and exports.
enum ResultDocuments {
    /// An `EPCISDocument` holding `events` (the national portal's export format).
    static func document(_ events: [ServerEvent], creationDate: Date = Date()) throws -> Data {
        EPCISDocument(creationDate: creationDate, events: try events.map { try $0.decoded() }).jsonData()
    }

    /// An `EPCISQueryDocument` (EPCIS 2.0 §12, JSON binding):
    /// `{"@context":…,"type":"EPCISQueryDocument","schemaVersion":"2.0","creationDate":…,
    ///   "epcisBody":{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":{"eventList":[…]}}}}`.
    ///
    /// The EPCIS module encodes documents with a fixed key order and no whitespace, ending in
    /// `"epcisBody":{"eventList":[…]}}`. The header before `epcisBody` holds only the context,
    /// type, version and date, all strings whose quotes are escaped, so the first occurrences of
    /// the two markers below are the document's own keys. Reusing that encoder keeps one
    /// namespace table for all events, which hand-assembling single events would not.
    static func queryDocument(_ events: [ServerEvent], creationDate: Date = Date()) throws -> Data {
        let plain = try document(events, creationDate: creationDate)
        let typeMarker = Data(#""type":"EPCISDocument""#.utf8)
        let bodyMarker = Data(#""epcisBody":"#.utf8)
        guard let t = plain.range(of: typeMarker), let b = plain.range(of: bodyMarker, in: t.upperBound..<plain.endIndex),
              plain.last == UInt8(ascii: "}") else {
            preconditionFailure("EPCISDocument encoding no longer has the fixed layout queryDocument relies on")
        }
        var out = Data()
        out.reserveCapacity(plain.count + 96)
        out += plain[plain.startIndex..<t.lowerBound]
        out += Data(#""type":"EPCISQueryDocument""#.utf8)
        out += plain[t.upperBound..<b.upperBound]
        out += Data(#"{"queryResults":{"queryName":"SimpleEventQuery","resultsBody":"#.utf8)
        out += plain[b.upperBound..<(plain.endIndex - 1)]   // {"eventList":[…]}
        out += Data("}}}".utf8)
        return out
    }
}
