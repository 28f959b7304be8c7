import Foundation
import EPCIS
import Trace

/// The trace side of a station opened from its configuration: the store, the stamp keys,
/// the catalog and the serial allocator. The daemon and the CLI both open one; SQLite's WAL
/// lets them work on the same data directory at once.
public final class TraceServices: Sendable {
    public let store: StationStore
    public let keys: StampKeyRing
    public let catalog: Catalog
    public let allocator: SerialAllocator
    public let tagger: StampTagger
    public let ledger: StampLedger
    public let verifier: StampVerifier
    public let recorder: EventRecorder
    /// Pre-printed stamp rolls (issued here, printed by a print shop, activated by scan).
    public let rolls: StampRolls
    public let keyFile: URL

    public init(config: StationConfig) throws {
        store = try StationStore(dataDirectory: config.dataDirectory)
        keyFile = config.dataDirectory.appendingPathComponent("keys/keyring.json")
        keys = try StampKeyRing.loadOrCreate(at: keyFile).0
        catalog = Catalog(store: store)
        allocator = try SerialAllocator(store: store, keys: keys, prefix: config.serialPrefix,
                                        policy: config.serialsFromServer ? .serverBlocks : .local)
        tagger = StampTagger(ring: keys)
        ledger = StampLedger(store: store, identity: Self.identity(config))
        verifier = StampVerifier(store: store, tagger: tagger, allocator: allocator, ledger: ledger)
        recorder = EventRecorder(store: ledger.events)
        rolls = StampRolls(store: store, allocator: allocator, tagger: tagger, ledger: ledger)
    }
}
