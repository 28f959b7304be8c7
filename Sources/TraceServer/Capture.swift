import EPCIS
import Foundation
import Logging

/// The answer to `POST /epcis/capture`, so a station's sync knows exactly which events are stored.
///
/// An event ID in ``accepted`` or ``duplicates`` is durably stored (now or before); an index in
/// ``rejected`` is not, and resending it unchanged will not help.
public struct CaptureAnswer: Codable, Sendable, Equatable {
    /// An event (or the document) the server will not store, and why.
    public struct Rejection: Codable, Sendable, Equatable {
        /// Position in `epcisBody.eventList`; `nil` for a problem with the document itself.
        public var index: Int?
        /// The event's ID when it had one.
        public var eventID: String?
        /// What is wrong, naming the event index and field.
        public var reason: String
    }
    /// Event IDs stored by this request.
    public var accepted: [String]
    /// Event IDs the server already held: just as safely stored.
    public var duplicates: [String]
    /// Events not stored.
    public var rejected: [Rejection]
    /// The highest station sequence up to which the server now holds every event of this station
    /// (only when the request carried `TXNG-First-Sequence`).
    public var contiguousSequence: Int64?
}

/// A capture that cannot be taken, with the HTTP status that says why.
public struct CaptureFailure: Error, Sendable, Equatable {
    /// The HTTP status to answer with (400, 403 or 422).
    public var status: Int
    /// One line for the `error` field and the log.
    public var message: String
    /// The per-event detail (nothing accepted).
    public var answer: CaptureAnswer
}

extension TraceServerCore {
    /// The request header carrying the station's sequence number of the first event in the document
    /// (the station's `EventStore` numbers its events 1, 2, 3, ... without gaps, so event `i` has
    /// sequence `first + i`). Lets the server track up to where it holds a station's log in full.
    public static let firstSequenceHeader = "TXNG-First-Sequence"

    /// Validates and stores a capture document for `station`.
    public func capture(body: some Collection<UInt8>, station: StationRecord, firstSequence: Int64?) async throws -> CaptureAnswer {
        let document: EPCISDocument
        do {
            document = try EPCISDocument(jsonData: body)
        } catch {
            switch error {
            case .malformedJSON:
                throw CaptureFailure(status: 400, message: "the body is not JSON: \(error)",
                                     answer: CaptureAnswer(accepted: [], duplicates: [], rejected: [.init(index: nil, eventID: nil, reason: error.description)]))
            case .invalid(let issues):
                let rejected = issues.map { CaptureAnswer.Rejection(index: $0.eventIndex, eventID: nil, reason: $0.description) }
                throw CaptureFailure(status: 422, message: "the document is not valid EPCIS 2.0; nothing was stored",
                                     answer: CaptureAnswer(accepted: [], duplicates: [], rejected: rejected))
            }
        }
        var foreign: [CaptureAnswer.Rejection] = []
        for (i, e) in document.events.enumerated() where e.station?.stationID != station.id {
            let reason = e.station.map { "event \(i) carries txng:stationID \"\($0.stationID)\", but this token belongs to station \"\(station.id)\"" }
                ?? "event \(i) has no txng:stationID; station \"\(station.id)\" may only capture its own events"
            foreign.append(.init(index: i, eventID: e.eventID, reason: reason))
        }
        if !foreign.isEmpty {
            throw CaptureFailure(status: 403, message: foreign[0].reason + "; nothing was stored",
                                 answer: CaptureAnswer(accepted: [], duplicates: [], rejected: foreign))
        }
        let receivedAt = Date()
        let checked = await Self.prepare(document.events, receivedAt: receivedAt, firstSequence: firstSequence)
        var incoming: [IncomingEvent] = []
        var rejected: [CaptureAnswer.Rejection] = []
        incoming.reserveCapacity(checked.count)
        for c in checked {
            switch c {
            case .success(let e): incoming.append(e)
            case .failure(let r): rejected.append(r.rejection)
            }
        }
        var sequences: ClosedRange<Int64>?
        if let first = firstSequence {
            let held = rejected.first?.index ?? document.events.count
            if held > 0 { sequences = first...(first + Int64(held) - 1) }
        }
        let outcome = try await storage.capture(incoming, stationID: station.id, sequences: sequences)
        var answer = CaptureAnswer(accepted: [], duplicates: [], rejected: rejected, contiguousSequence: outcome.contiguousSequence)
        for (k, status) in outcome.statuses.enumerated() {
            switch status {
            case .accepted: answer.accepted.append(incoming[k].eventID)
            case .duplicate: answer.duplicates.append(incoming[k].eventID)
            }
        }
        if let first = firstSequence, let c = outcome.contiguousSequence, c < first - 1 {
            logger.warning("station sequence gap: events are missing before this capture", metadata: [
                "station": "\(station.id)", "held-through": "\(c)", "first-sent": "\(first)"])
        }
        logger.info("capture", metadata: ["station": "\(station.id)", "accepted": "\(answer.accepted.count)",
                                           "duplicates": "\(answer.duplicates.count)", "rejected": "\(answer.rejected.count)"])
        return answer
    }

    struct Refused: Error { let rejection: CaptureAnswer.Rejection }

    /// Checks each event's content-derived ID and encodes it for storage. This is the CPU-heavy
    /// part of a capture and needs no database, so large documents are split over the cores.
    static func prepare(_ events: [EPCISEvent], receivedAt: Date, firstSequence: Int64?) async -> [Result<IncomingEvent, Refused>] {
        @Sendable func one(_ i: Int) -> Result<IncomingEvent, Refused> {
            let e = events[i]
            // A content-derived ID must match the content, or the event was changed after it was hashed.
            if let id = e.eventID, id.hasPrefix("ni:///sha-256;") {
                let computed = e.eventHash().id
                if computed != id {
                    return .failure(Refused(rejection: .init(index: i, eventID: id, reason:
                        "event \(i): eventID \(id) is not the CBV 2.0 hash of the event (\(computed)); the event was altered after it was hashed")))
                }
            }
            return .success(IncomingEvent(event: e, receivedAt: receivedAt, stationSequence: firstSequence.map { $0 + Int64(i) }))
        }
        let workers = min(ProcessInfo.processInfo.activeProcessorCount, events.count / 64)
        guard workers > 1 else { return events.indices.map(one) }
        let chunk = (events.count + workers - 1) / workers
        return await withTaskGroup(of: (Int, [Result<IncomingEvent, Refused>]).self) { group in
            for start in stride(from: 0, to: events.count, by: chunk) {
                group.addTask { (start, (start..<min(start + chunk, events.count)).map(one)) }
            }
            var parts: [(Int, [Result<IncomingEvent, Refused>])] = []
            for await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }
}
