import EPCIS
import Foundation
import GRDB

/// Records events one at a time from many callers with group commit: events that arrive while
/// a transaction is being made durable are committed together in the next one. Each caller
/// returns only after its event is on disk, so a returned ``StoredEvent`` is never lost.
public actor EventRecorder {
    private let store: EventStore
    private let pool: DatabasePool
    private var pending: [(EPCISEvent, String?, CheckedContinuation<StoredEvent, Error>)] = []
    private var writing = false
    /// Upper bound of events per transaction, so one commit never holds the writer for long.
    public let maxGroup: Int

    public init(store: EventStore, maxGroup: Int = 2048) {
        self.store = store
        self.pool = store.store.pool
        self.maxGroup = maxGroup
    }

    /// Appends one event durably (sharing the commit with concurrent callers).
    public func record(_ event: EPCISEvent, lot: String? = nil) async throws -> StoredEvent {
        try await withCheckedThrowingContinuation { c in
            pending.append((event, lot, c))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let group = Array(pending.prefix(maxGroup))
            pending.removeFirst(group.count)
            let store = self.store
            do {
                let items = group.map { ($0.0, $0.1) }
                let stored = try await pool.write { db in try store.append(items, in: db) }
                for (i, item) in group.enumerated() { item.2.resume(returning: stored[i]) }
            } catch {
                for item in group { item.2.resume(throwing: error) }
            }
        }
        writing = false
    }
}
