import Devices
import Foundation
import GRDB

extension StationCore {
    /// Keeps a scan the reader itself had to reject (a key no layout maps, an overlong line, a
    /// scan cut off mid-way) in the scan log with its reason and the start of what arrived, so
    /// nothing an operator scanned disappears without a trace.
    public func recordRejectedScan(_ rejection: ScanRejection) throws {
        let outcome = "\(ScanRecord.Outcome.rejected.rawValue): \(rejection.reason.vietnamese) (\(rejection.reason))"
        try store.pool.write { [config] db in
            try db.execute(sql: "INSERT INTO scan_log(received_at, scanner, raw, kind, outcome) VALUES (?, ?, ?, ?, ?)",
                           arguments: [EventClock.iso8601(rejection.receivedAt, offset: config.utcOffset), rejection.scanner,
                                       Data(rejection.prefix), ScanKind.unreadable.rawValue, outcome])
        }
    }
}
