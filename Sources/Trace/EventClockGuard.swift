import Foundation
import Logging
import Synchronization

/// Keeps event times in order when the clock is set back, and says when the clock cannot be right.
///
/// A packing-line box may have no RTC battery: it boots with a clock in the past until network
/// time arrives, and NTP may step the clock back by seconds. Events must not go back in time
/// along the station's chain, so ``EventStore`` gives an event that would the newest recorded
/// time instead (and says so here); and ``problem(now:newestEvent:)`` tells the operator, the
/// health check and `station doctor` when the clock is implausible.
public enum EventClockGuard {
    /// Set-backs smaller than this (scheduling jitter between processes) are not reported.
    public static let reportThreshold: TimeInterval = 1

    private static let logger = Logger(label: "station.clock")

    /// The last time the clock was found set back while recording.
    public struct ClockSetBack: Sendable, Equatable {
        /// How far behind the newest recorded event the clock was, in seconds.
        public var seconds: TimeInterval
        /// The time events were held at.
        public var heldAt: Date
        /// When it was noticed (by the clock itself).
        public var noticedAt: Date
    }

    /// What one store's writer knows about time: the newest event time it wrote (with its
    /// sequence number: another process's append since means the stored text is parsed instead)
    /// and the last set-back it noticed. Each ``StationStore`` has its own.
    public final class State: Sendable {
        private let newest = Mutex<(seq: Int64, time: Date)?>(nil)
        private let setBack = Mutex<ClockSetBack?>(nil)

        public init() {}

        /// The most recent set-back noticed while writing to this store, if any.
        public var lastSetBack: ClockSetBack? { setBack.withLock { $0 } }

        func newestTime(seq: Int64, text: String) -> Date? {
            if let cached = newest.withLock({ $0 }), cached.seq == seq { return cached.time }
            return EventClockGuard.parse(text)
        }

        func remember(seq: Int64, time: Date) { newest.withLock { $0 = (seq, time) } }

        func noteSetBack(_ seconds: TimeInterval, at heldAt: Date) {
            guard seconds >= reportThreshold else { return }
            let now = Date()
            let first = setBack.withLock { state -> Bool in
                // One warning per set-back: a new one once the clock has caught up and fallen behind again.
                let isNew = state.map { $0.heldAt != heldAt } ?? true
                state = ClockSetBack(seconds: seconds, heldAt: heldAt, noticedAt: now)
                return isNew
            }
            if first {
                logger.warning("the clock is \(Int(seconds.rounded())) s behind the newest recorded event (set back by NTP, or a box without a clock battery): events are recorded at the newest recorded time until the clock catches up; check the time (`timedatectl`)",
                               metadata: ["held_at": "\(EventClockGuard.parse(heldAt))"])
            }
        }
    }

    /// Why the clock cannot be right, or nil: before the newest recorded event, or before the
    /// station software was built.
    public static func problem(now: Date = Date(), newestEvent: Date?, built: Date? = buildTime) -> String? {
        if let built, now < built.addingTimeInterval(-86_400) {
            return "Đồng hồ hệ thống (\(parse(now))) chạy trước ngày cài chương trình (\(parse(built))): the clock is before this software was built"
        }
        if let newestEvent, now < newestEvent.addingTimeInterval(-reportThreshold) {
            return "Đồng hồ hệ thống (\(parse(now))) sớm hơn sự kiện mới nhất đã ghi (\(parse(newestEvent))): the clock is behind the newest recorded event; new events are held at its time"
        }
        return nil
    }

    /// The modification time of the running executable: a lower bound for any plausible clock.
    public static var buildTime: Date? {
        guard let exe = Bundle.main.executableURL else { return nil }
        return (try? FileManager.default.attributesOfItem(atPath: exe.path))?[.modificationDate] as? Date
    }

    static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(text, strategy: .iso8601))
    }

    static func parse(_ date: Date) -> String { date.formatted(.iso8601) }
}
