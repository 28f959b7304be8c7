import Foundation
import Synchronization

/// The connection state of each device scanner, as the daemon's scanner services last saw it:
/// what the operator's screen shows (connected, unplugged, no permission), with a version that
/// changes on every update so the live feed can tell when to say so.
public final class ScannerBoard: Sendable {
    public struct Entry: Sendable, Codable, Equatable {
        public var name: String
        /// `waiting`, `connected`, `disconnected`, `permission_denied`, `busy`, `unusable`, `stopped`.
        public var state: String
        /// What the operator reads (Vietnamese).
        public var message: String
        /// The details, in English, for the installer.
        public var detail: String
        public var since: String
    }

    private let entries = Mutex<(version: Int, byName: [String: Entry])>((0, [:]))

    public init() {}

    public func update(_ entry: Entry) {
        entries.withLock { $0.version += 1; $0.byName[entry.name] = entry }
    }

    /// The scanners in name order, and the version of this snapshot.
    public func snapshot() -> (version: Int, scanners: [Entry]) {
        entries.withLock { ($0.version, $0.byName.values.sorted { $0.name < $1.name }) }
    }
}
