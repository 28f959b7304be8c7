/// The answers to ESC/POS real-time status requests `DLE EOT n` (Epson ESC/POS Command
/// Reference, "DLE EOT n: Transmit real-time status"), one byte per request.
///
/// Every status byte has the fixed bits 0xx1xx10 (bit 0 off, bit 1 on, bit 4 on, bit 7 off);
/// that is how a reply is told from noise or from an Automatic Status Back packet.
public struct ESCPOSStatusReport: Sendable, Hashable {
    /// n = 1, printer status.
    public struct PrinterState: Sendable, Hashable {
        /// Bit 2: drawer kick-out connector pin 3 is high.
        public var drawerPinHigh: Bool
        /// Bit 3: the printer is offline.
        public var offline: Bool
        /// Bit 5: waiting for online recovery.
        public var waitingForOnlineRecovery: Bool
        /// Bit 6: the paper feed button is being pressed.
        public var feedButtonPressed: Bool
    }

    /// n = 2, offline cause.
    public struct OfflineCause: Sendable, Hashable {
        /// Bit 2: the cover is open.
        public var coverOpen: Bool
        /// Bit 3: paper is being fed by the feed button.
        public var feedingByButton: Bool
        /// Bit 5: printing stopped because the paper ran out.
        public var stoppedByPaperEnd: Bool
        /// Bit 6: an error occurred (see ``ErrorCause``).
        public var errorOccurred: Bool
    }

    /// n = 3, error cause.
    public struct ErrorCause: Sendable, Hashable {
        /// Bit 2: recoverable (mechanical) error, e.g. a jam; recovered with `DLE ENQ`.
        public var recoverableError: Bool
        /// Bit 3: autocutter error.
        public var autocutterError: Bool
        /// Bit 5: unrecoverable error (the printer must be serviced or power-cycled).
        public var unrecoverableError: Bool
        /// Bit 6: automatically recoverable error, e.g. print head over temperature.
        public var autoRecoverableError: Bool
    }

    /// n = 4, roll paper sensor.
    public struct RollPaper: Sendable, Hashable {
        /// Bits 2–3: the roll paper near-end sensor reports little paper left.
        public var nearEnd: Bool
        /// Bits 5–6: the roll paper end sensor reports no paper.
        public var paperEnd: Bool
    }

    public var printer: PrinterState?
    public var offlineCause: OfflineCause?
    public var errorCause: ErrorCause?
    public var rollPaper: RollPaper?

    public init(printer: PrinterState? = nil, offlineCause: OfflineCause? = nil, errorCause: ErrorCause? = nil,
                rollPaper: RollPaper? = nil) {
        self.printer = printer
        self.offlineCause = offlineCause
        self.errorCause = errorCause
        self.rollPaper = rollPaper
    }

    /// The request bytes `DLE EOT n`.
    public static func request(_ function: UInt8) -> [UInt8] { [0x10, 0x04, function] }

    /// True when `byte` has the fixed bits of a real-time status byte.
    public static func isStatusByte(_ byte: UInt8) -> Bool { byte & 0x93 == 0x12 }

    /// Records the reply `byte` to `DLE EOT function`. Pure.
    public mutating func record(function: UInt8, byte: UInt8) throws(StatusReplyError) {
        guard (1...4).contains(function) else { throw .unsupportedFunction(function) }
        guard Self.isStatusByte(byte) else { throw .invalidStatusByte(function: function, byte: byte) }
        func bit(_ n: UInt8) -> Bool { byte & (1 << n) != 0 }
        switch function {
        case 1:
            printer = PrinterState(drawerPinHigh: bit(2), offline: bit(3), waitingForOnlineRecovery: bit(5),
                                   feedButtonPressed: bit(6))
        case 2:
            offlineCause = OfflineCause(coverOpen: bit(2), feedingByButton: bit(3), stoppedByPaperEnd: bit(5),
                                        errorOccurred: bit(6))
        case 3:
            errorCause = ErrorCause(recoverableError: bit(2), autocutterError: bit(3), unrecoverableError: bit(5),
                                    autoRecoverableError: bit(6))
        default:
            rollPaper = RollPaper(nearEnd: byte & 0x0C != 0, paperEnd: byte & 0x60 != 0)
        }
    }

    /// Parses replies to `functions`, sent in that order, from one buffer. Pure.
    public static func parse(_ bytes: [UInt8], functions: [UInt8]) throws(StatusReplyError) -> ESCPOSStatusReport {
        var decoder = ESCPOSStatusDecoder(functions: functions)
        guard let report = try decoder.feed(bytes) else {
            throw .incomplete(query: ESCPOSStatusDecoder.name(functions), framesReceived: decoder.answered,
                              framesExpected: functions.count)
        }
        return report
    }
}

/// Incremental decoder for replies to a series of `DLE EOT n` requests: one byte each, in
/// request order. Bytes without the status pattern (noise, Automatic Status Back packets) are
/// skipped and counted; it gives up with ``StatusReplyError/tooMuchNoise(query:skipped:)``
/// after 64 of them. Pure.
public struct ESCPOSStatusDecoder: Sendable {
    public let functions: [UInt8]
    private var report = ESCPOSStatusReport()
    /// Replies recorded so far.
    public private(set) var answered = 0
    /// Bytes that were not status bytes.
    public private(set) var skippedBytes = 0
    private var done = false

    public init(functions: [UInt8]) {
        self.functions = functions
    }

    /// `"DLE EOT 1,2,3,4"`: the requests' name in messages and ``StatusEvidence``.
    public static func name(_ functions: [UInt8]) -> String {
        "DLE EOT " + functions.map(String.init).joined(separator: ",")
    }

    /// The bytes that send all of ``functions``.
    public var request: [UInt8] { functions.flatMap(ESCPOSStatusReport.request) }

    /// Feeds bytes; returns the report once every request has its reply (then `nil` after).
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(StatusReplyError) -> ESCPOSStatusReport? where Bytes.Element == UInt8 {
        guard !done else { return nil }
        if functions.isEmpty {
            done = true
            return report
        }
        for byte in bytes {
            guard ESCPOSStatusReport.isStatusByte(byte) else {
                skippedBytes += 1
                if skippedBytes > 64 { throw .tooMuchNoise(query: Self.name(functions), skipped: skippedBytes) }
                continue
            }
            try report.record(function: functions[answered], byte: byte)
            answered += 1
            if answered == functions.count {
                done = true
                return report
            }
        }
        return nil
    }
}

extension PrinterStatus {
    /// Merges the `DLE EOT` replies into one status. Groups the printer did not answer are
    /// simply absent; an offline printer whose cause is unknown counts as paused.
    public init(escpos report: ESCPOSStatusReport, query: String) {
        var faults: [PrinterCondition] = []
        var warnings: [PrinterWarning] = []
        var said: [String] = []
        if let cause = report.offlineCause {
            if cause.coverOpen { faults.append(.headOpen); said.append("cover open") }
            if cause.stoppedByPaperEnd { faults.append(.paperOut); said.append("stopped by paper end") }
            if cause.feedingByButton { said.append("feeding by button") }
            if cause.errorOccurred { faults.append(.hardwareError); said.append("error occurred") }
        }
        if let error = report.errorCause {
            if error.recoverableError { faults.append(.hardwareError); said.append("recoverable error (jam)") }
            if error.autocutterError { faults.append(.hardwareError); said.append("autocutter error") }
            if error.unrecoverableError { faults.append(.hardwareError); said.append("unrecoverable error") }
            if error.autoRecoverableError { faults.append(.hardwareError); said.append("head over temperature") }
        }
        if let paper = report.rollPaper {
            if paper.paperEnd { faults.append(.paperOut); said.append("roll paper end") }
            if paper.nearEnd { warnings.append(.paperNearEnd); said.append("roll paper near end") }
        }
        if let printer = report.printer {
            if printer.feedButtonPressed { said.append("feed button pressed") }
            if printer.waitingForOnlineRecovery { said.append("waiting for online recovery") }
            if printer.offline {
                said.insert("offline", at: 0)
                if faults.isEmpty { faults.append(.paused) }
            }
        }
        if report.printer == nil && report.offlineCause == nil && report.errorCause == nil && report.rollPaper == nil {
            faults.append(.unknown)
            said.append("no status group answered")
        }
        self.init(faults: faults, warnings: warnings,
                  detail: query + ": " + (said.isEmpty ? "online, no errors" : said.joined(separator: ", ")),
                  evidence: .reply(query: query))
    }
}
