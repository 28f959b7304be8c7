import EPCIS
import Foundation
import ServiceLifecycle
import Trace

/// A station allowed to capture events: its token is kept only as a SHA-256 digest.
public struct StationRecord: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var gln: String
    public var registeredAt: Date
    /// The highest station sequence number up to which the server holds every event, as the
    /// station reported them (`TXNG-First-Sequence`); 0 before the first capture.
    public var contiguousSequence: Int64

    /// A station record as the registry stores it.
    public init(id: String, name: String, gln: String, registeredAt: Date, contiguousSequence: Int64 = 0) {
        self.id = id; self.name = name; self.gln = gln; self.registeredAt = registeredAt; self.contiguousSequence = contiguousSequence
    }
}

/// Who made a request.
public enum Principal: Sendable, Equatable {
    case station(StationRecord)
    case admin(String)
}

/// What a consumer sees about a product: the registry entry an administrator (or the producer's
/// own station) maintains.
public struct ProductRecord: Sendable, Equatable, Codable {
    public var gtin: String
    public var name: String
    public var producer: String
    public var producerAddress: String
    public var producerGLN: String
    public var updatedAt: Date?

    /// A registry entry; `gtin` is the 14-digit form.
    public init(gtin: String, name: String, producer: String, producerAddress: String = "", producerGLN: String, updatedAt: Date? = nil) {
        self.gtin = gtin; self.name = name; self.producer = producer; self.producerAddress = producerAddress
        self.producerGLN = producerGLN; self.updatedAt = updatedAt
    }
}

/// A lot the server learned from the first commissioning event that named it.
public struct BatchRecord: Sendable, Equatable, Codable {
    public var gtin: String
    public var lot: String
    public var expiry: String?
    public var firstSeen: Date
    public var stationID: String?
}

/// A block of serial counters `[start, end)` granted to one station for one GTIN and format.
public struct SerialBlock: Sendable, Equatable, Codable {
    public var gtin: String
    public var format: String
    public var start: UInt64
    /// Exclusive, as `SerialAllocator.addServerBlock(gtin:format:start:end:)` expects.
    public var end: UInt64
    public var stationID: String
}

/// What the store knows about one stamp; see ``TraceStorage/stampFacts(epc:gtin:)``.
public struct StampFacts: Sendable {
    /// Every event naming the stamp, oldest first, corrections included.
    public var events: [ServerEvent]
    public var product: ProductRecord?
    /// Lots the stamp's commissioning events name, with what the server learned about them.
    public var batches: [String: BatchRecord]
    /// Stored lookups (not counting those still in memory).
    public var lookups: Int
    /// Class-level events of those lots (a recall names the lot, not each stamp), oldest first.
    public var lotEvents: [ServerEvent]

    public init(events: [ServerEvent], product: ProductRecord?, batches: [String: BatchRecord], lookups: Int, lotEvents: [ServerEvent] = []) {
        self.events = events; self.product = product; self.batches = batches; self.lookups = lookups; self.lotEvents = lotEvents
    }
}

/// One event ready for storage: decoded, identified and encoded once, before any transaction.
public struct IncomingEvent: Sendable {
    public var eventID: String
    /// Unique per stored row: the eventID, or the eventID plus the declaration time for an error
    /// declaration (a correction reuses the ID of the event it retracts).
    public var dedupKey: String
    public var isCorrection: Bool
    public var eventType: String
    public var bizStep: String?
    public var eventTime: Date
    public var stationID: String?
    public var stationSequence: Int64?
    public var lot: String?
    public var bizLocation: String?
    public var identifiers: [String]
    /// The event's JSON-LD with its own `@context`, so it decodes on its own.
    public var body: Data
    /// (gtin, lot, expiry) for each product a commissioning event names, to learn batches.
    public var commissioned: [(gtin: String, lot: String, expiry: String?)]

    public init(event: EPCISEvent, receivedAt: Date, stationSequence: Int64?) {
        var e = event
        if e.eventID == nil { e = e.withHashEventID() }
        switch e {
        case .object(var o): o.recordTime = receivedAt; e = .object(o)
        case .aggregation(var a): a.recordTime = receivedAt; e = .aggregation(a)
        }
        eventID = e.eventID!
        if let d = e.errorDeclaration {
            isCorrection = true
            dedupKey = eventID + "#declared@" + String(Int64((d.declarationTime.timeIntervalSince1970 * 1000).rounded()))
        } else {
            isCorrection = false
            dedupKey = eventID
        }
        eventType = e.eventType.rawValue
        bizStep = e.bizStep?.rawValue
        eventTime = e.eventTime
        stationID = e.station?.stationID
        self.stationSequence = stationSequence
        identifiers = e.identifiers
        body = e.jsonData(includeContext: true)
        var lot: String?
        var commissioned: [(String, String, String?)] = []
        switch e {
        case .object(let o):
            bizLocation = o.bizLocation
            lot = o.ilmd.lotNumber
            if let l = lot, o.bizStep == .commissioning, o.errorDeclaration == nil {
                var seen = Set<String>()
                for epc in o.epcList {
                    if let (gtin, _) = Stamp.parseEPC(epc), seen.insert(gtin).inserted { commissioned.append((gtin, l, o.ilmd.itemExpirationDate)) }
                }
            }
        case .aggregation(let a):
            bizLocation = a.bizLocation
        }
        // A class-level event (a lot's recall) names its lot in the class itself.
        if lot == nil {
            let lots = Set(identifiers.compactMap { Stamp.parseLotClass($0)?.lot })
            if lots.count == 1 { lot = lots.first }
        }
        self.lot = lot
        self.commissioned = commissioned
    }
}

extension Array where Element == IncomingEvent {
    /// Gives events that name no lot (receiving, shipping, inspecting scans) the lot their stamps
    /// were commissioned with, when all of them agree, so that a lot query or export finds the
    /// whole journey. `commissionedLot` answers from the store; commissioning events earlier in
    /// the same capture count too.
    mutating func inferLots(_ commissionedLot: (String) throws -> String?) rethrows {
        var inBatch: [String: String] = [:]
        for i in indices {
            if let lot = self[i].lot {
                if self[i].bizStep == "commissioning" { for epc in self[i].identifiers { inBatch[epc] = lot } }
                continue
            }
            guard !self[i].identifiers.isEmpty else { continue }
            var lots = Set<String>()
            for epc in self[i].identifiers {
                guard let lot = try inBatch[epc] ?? commissionedLot(epc) else { lots.removeAll(); break }
                lots.insert(lot)
            }
            if lots.count == 1 { self[i].lot = lots.first }
        }
    }
}

/// An event as the server stores it.
public struct ServerEvent: Sendable, Equatable {
    public var eventID: String
    public var isCorrection: Bool
    public var eventType: String
    public var bizStep: String?
    public var eventTime: Date
    public var stationID: String?
    public var bizLocation: String?
    public var lot: String?
    public var body: Data
    /// Where the event sits in query order after its time (the store's row key): with the time,
    /// the cursor of the next page.
    public var pageKey: String = ""

    public func decoded() throws -> EPCISEvent { try EPCISEvent(jsonData: body) }

    /// The cursor that continues a query after this event.
    public var cursor: EventQuery.Cursor { .init(eventTimeMilliseconds: ServerTime.milliseconds(eventTime), key: pageKey) }
}

/// Filters of an event query; every filter given must match.
public struct EventQuery: Sendable, Equatable {
    public var epc: String?
    public var lot: String?
    public var from: Date?
    /// Exclusive.
    public var to: Date?
    public var stationID: String?
    public var bizStep: String?
    public var limit: Int
    /// Only events after this one in query order (event time, then the store's row key): the next page.
    public var after: Cursor?

    /// A position in query order, as the `nextPageToken` of an EPCIS 2.0 query carries it.
    public struct Cursor: Sendable, Equatable {
        public var eventTimeMilliseconds: Int64
        public var key: String

        public init(eventTimeMilliseconds: Int64, key: String) {
            self.eventTimeMilliseconds = eventTimeMilliseconds
            self.key = key
        }

        /// URL-safe text: `<ms>.<key>` in base64url.
        public var token: String {
            Data("\(eventTimeMilliseconds).\(key)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }

        public init?(token: String) {
            var b64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while b64.count % 4 != 0 { b64 += "=" }
            guard token.count <= 400, let data = Data(base64Encoded: b64), let text = String(data: data, encoding: .utf8),
                  let dot = text.firstIndex(of: "."), let ms = Int64(text[..<dot]) else { return nil }
            let key = String(text[text.index(after: dot)...])
            guard !key.isEmpty else { return nil }
            self.init(eventTimeMilliseconds: ms, key: key)
        }
    }

    public init(epc: String? = nil, lot: String? = nil, from: Date? = nil, to: Date? = nil, stationID: String? = nil,
                bizStep: String? = nil, limit: Int = 100, after: Cursor? = nil) {
        self.epc = epc; self.lot = lot; self.from = from; self.to = to; self.stationID = stationID; self.bizStep = bizStep; self.limit = limit
        self.after = after
    }
}

/// What happened to each event of one capture, in request order.
public struct CaptureOutcome: Sendable, Equatable {
    public enum Status: String, Sendable, Equatable { case accepted, duplicate }
    public var statuses: [Status]
    /// The station's contiguous sequence after this capture.
    public var contiguousSequence: Int64?
}

/// The trace-server's durable store. Two real implementations: ``SQLiteTraceStorage`` and
/// ``PostgresTraceStorage``; both pass the same test suite.
public protocol TraceStorage: Sendable {
    /// Background work the store needs while the server runs (PostgreSQL's connection pool).
    var services: [any Service] { get }

    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws

    func addStation(_ station: StationRecord, tokenHash: String) async throws
    func stations() async throws -> [StationRecord]
    func addAdmin(name: String, tokenHash: String) async throws
    func principal(tokenHash: String) async throws -> Principal?

    /// Stores the events durably and idempotently (by ``IncomingEvent/dedupKey``) in one transaction.
    /// `sequences` is the run of station sequence numbers now known to be held in full; the
    /// station's contiguous sequence moves to its end when the run continues it without a gap.
    func capture(_ events: [IncomingEvent], stationID: String, sequences: ClosedRange<Int64>?) async throws -> CaptureOutcome

    /// Events matching every filter of `query`, oldest first.
    func events(_ query: EventQuery) async throws -> [ServerEvent]

    func putProduct(_ product: ProductRecord) async throws
    func product(gtin: String) async throws -> ProductRecord?
    func batch(gtin: String, lot: String) async throws -> BatchRecord?

    /// Grants `count` counters that overlap no earlier block of the same GTIN and format.
    func allocateSerialBlock(gtin: String, format: SerialFormat, count: UInt64, capacity: UInt64, stationID: String) async throws -> SerialBlock

    /// Everything verification needs about one stamp, read together (one transaction where the
    /// backend allows): its events, its product, the lots it was commissioned with and how often
    /// it was looked up.
    func stampFacts(epc: String, gtin: String) async throws -> StampFacts

    /// Adds public lookups (verify requests) per EPC.
    func addLookups(_ counts: [String: Int]) async throws
    func lookupCount(epc: String) async throws -> Int
}

extension SerialFormat {
    /// How many counters the format can name (the same figure the station's `SerialCodec` uses).
    var serverCapacity: UInt64 { SerialCodec(format: self, prefix: "", key: [UInt8](repeating: 0, count: 16)).capacity }
}
