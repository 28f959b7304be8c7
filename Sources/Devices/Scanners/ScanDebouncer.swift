/// Decides whether a scan is new or the same code read again.
///
/// Presentation scanners re-read a code as long as it stays in view, and operators pull the
/// trigger twice: the same bytes seen again within ``window`` of the previous sighting are one
/// scan. The window slides, so a label left under the scanner stays one scan however long it
/// lies there; other codes in between do not reset it (a carton with a QR code and a GS1-128
/// label read alternately is still two scans). Memory is bounded by ``capacity`` codes.
///
/// Pure: the caller passes the time, from any clock (a `Duration` since a fixed origin).
public struct ScanDebouncer: Sendable {
    /// What to do with a scan.
    public enum Decision: Sendable, Hashable {
        /// A new scan.
        case accept
        /// The same code was seen `since` ago (the previous sighting).
        case duplicate(since: Duration)
    }

    /// A code seen again within this time of its previous sighting is a duplicate.
    public let window: Duration
    /// How many distinct recent codes are remembered.
    public let capacity: Int
    private var lastSeen: [[UInt8]: Duration] = [:]

    /// `window` zero or negative turns debouncing off: every scan is accepted.
    public init(window: Duration, capacity: Int = 256) {
        precondition(capacity > 0, "capacity must be positive")
        self.window = window
        self.capacity = capacity
    }

    /// Records a sighting of `code` at `time` and says whether it is new.
    public mutating func admit(_ code: [UInt8], at time: Duration) -> Decision {
        guard window > .zero else { return .accept }
        lastSeen = lastSeen.filter { time - $0.value < window }
        let previous = lastSeen[code]
        lastSeen[code] = time
        if lastSeen.count > capacity, let oldest = lastSeen.min(by: { $0.value < $1.value }) {
            lastSeen[oldest.key] = nil
        }
        if let previous, time - previous < window { return .duplicate(since: time - previous) }
        return .accept
    }

    /// Forgets every code, e.g. when the operator starts a new batch.
    public mutating func reset() {
        lastSeen = [:]
    }
}
