import EPCIS
import Foundation
import GRDB

/// Records events one at a time from many callers with group commit: events that arrive while
/// a transaction is being made durable are committed together in the next one. Each caller
/// returns only after its event is on disk, so a returned ``StoredEvent`` is never lost.
public actor EventRecorder {
    private let store: EventStore
    private let pool: DatabasePool
    private var pending: [(EventStore.Prepared, CheckedContinuation<StoredEvent, Error>)] = []
    private var writing = false
    /// Upper bound of events per transaction, so one commit never holds the writer for long.
    public let maxGroup: Int

    public init(store: EventStore, maxGroup: Int = 2048) {
        self.store = store
        self.pool = store.store.pool
        self.maxGroup = maxGroup
    }

    /// Appends one event durably (sharing the commit with concurrent callers).
    public nonisolated func record(_ event: EPCISEvent, lot: String? = nil) async throws -> StoredEvent {
        // Hash and encode on the caller's task, in parallel with other callers; only the insert is serial.
        try await enqueue(EventStore.Prepared(event, lot: lot))
    }

    private func enqueue(_ prepared: EventStore.Prepared) async throws -> StoredEvent {
        try await withCheckedThrowingContinuation { c in
            pending.append((prepared, c))
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
                let items = group.map(\.0)
                let stored = try await pool.write { db in try store.append(prepared: items, in: db) }
                for (i, item) in group.enumerated() { item.1.resume(returning: stored[i]) }
            } catch {
                for item in group { item.1.resume(throwing: error) }
            }
        }
        writing = false
    }
}
