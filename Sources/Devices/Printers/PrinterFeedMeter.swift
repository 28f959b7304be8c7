/// Measures how fast labels reach a printer through ``LabelPrinter/send(_:)``, including the
/// status polls the printer's policy makes, and how long a status poll takes on its own.
///
/// Used by `station-bench` against the network printer emulator and by the USB emulation
/// tests; it works with any printer, so it can also be pointed at a real one during set-up.
public enum PrinterFeedMeter {
    /// What a run measured. Times are in seconds.
    public struct Measurement: Sendable, Equatable {
        /// Labels sent.
        public var labels: Int
        /// Label bytes the printer confirmed.
        public var bytes: Int
        /// Wall time for all labels.
        public var seconds: Double
        /// Time of each `send`, sorted ascending.
        public var sendTimes: [Double]

        /// Labels per second over the whole run.
        public var labelsPerSecond: Double { seconds > 0 ? Double(labels) / seconds : 0 }

        /// The `p`-th quantile (0…1) of the send times.
        public func sendTime(quantile p: Double) -> Double {
            PrinterFeedMeter.quantile(sendTimes, p)
        }
    }

    /// Sends `labels` in order and times each send. Stops at the first error, which is rethrown.
    public static func measure(printer: any LabelPrinter, labels: [PrintableLabel]) async throws -> Measurement {
        let clock = ContinuousClock()
        var times: [Double] = []
        times.reserveCapacity(labels.count)
        var bytes = 0
        let start = clock.now
        for label in labels {
            let before = clock.now
            bytes += try await printer.send(label).bytesWritten
            times.append(seconds(clock.now - before))
        }
        return Measurement(labels: labels.count, bytes: bytes, seconds: seconds(clock.now - start), sendTimes: times.sorted())
    }

    /// Times `count` status polls; returns the sorted times in seconds.
    public static func statusPollTimes(printer: any LabelPrinter, count: Int) async throws -> [Double] {
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<count {
            let before = clock.now
            _ = try await printer.status()
            times.append(seconds(clock.now - before))
        }
        return times.sorted()
    }

    /// The `p`-th quantile (0…1) of sorted values; `nan` when empty.
    public static func quantile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let index = min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))
        return sorted[index]
    }

    static func seconds(_ duration: Duration) -> Double {
        let (s, atto) = duration.components
        return Double(s) + Double(atto) / 1e18
    }
}
