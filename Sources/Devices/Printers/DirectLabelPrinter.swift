import Dispatch
import Foundation

/// A ZPL or ESC/POS label printer driven directly over a ``PrinterTransport`` (TCP 9100, a
/// device file, USB), with its true status read from the printer itself.
///
/// - ZPL: `~HS` (host status), plus `~HQES` (Link-OS error and warning bits) once the printer
///   has shown it answers it; after that both go out together, one round trip per poll.
/// - ESC/POS: `DLE EOT 1…4` one at a time until the printer has shown which it answers
///   (many cheap printers answer only some), then all of those together.
///
/// A query that gets no reply within ``Options/statusTimeout`` yields
/// ``PrinterCondition/notResponding``, never "ready": some printers go silent exactly when they
/// are faulted. Before a label is sent the status is checked (see ``StatusPolicy``), and a
/// label is only reported sent once the link confirms every byte. A link that fails part-way
/// reports how many bytes got out (``PrinterError/interrupted(printer:delivered:total:reason:)``)
/// so the print job can mark that label uncertain; the connection is then reset so nothing
/// queued on the station prints later on its own.
///
/// All transport work runs on this printer's own serial queue, so the blocking, timeout-bounded
/// I/O never occupies the shared concurrency threads, and labels and queries never interleave.
public final class DirectLabelPrinter: LabelPrinter, @unchecked Sendable {
    /// When `send` asks the printer for its status first.
    public enum StatusPolicy: Sendable, Hashable {
        /// Before every label: at most one label goes to a faulted printer.
        case beforeEachLabel
        /// Before the first label and then every `n` labels.
        case everyLabels(Int)
        /// Never (labels go out blind); `status()` still works.
        case never
    }

    /// Timeouts and behaviour. Every timeout is explicit.
    public struct Options: Sendable, Hashable {
        /// Limit for opening the link (TCP connect); USB and device files open at once or fail.
        public var connectTimeout: Duration
        /// Inactivity limit while writing: fail when the printer takes no byte for this long.
        public var writeTimeout: Duration
        /// How long to wait for a status reply before calling the printer not responding.
        public var statusTimeout: Duration
        /// How long to wait when finding out whether an optional query (`~HQES`, `DLE EOT 2–4`)
        /// is answered at all.
        public var probeTimeout: Duration
        /// When to check status before sending.
        public var statusPolicy: StatusPolicy
        /// Ask ZPL printers `~HQES` as well as `~HS`.
        public var queryZPLErrors: Bool
        /// The model goes silent while faulted (profile quirk `status-silent-when-faulted`);
        /// only changes the advice given with ``PrinterCondition/notResponding``.
        public var silentWhenFaulted: Bool

        public init(connectTimeout: Duration = .seconds(3), writeTimeout: Duration = .seconds(10),
                    statusTimeout: Duration = .seconds(2), probeTimeout: Duration = .milliseconds(500),
                    statusPolicy: StatusPolicy = .beforeEachLabel, queryZPLErrors: Bool = true,
                    silentWhenFaulted: Bool = false) {
            self.connectTimeout = connectTimeout
            self.writeTimeout = writeTimeout
            self.statusTimeout = statusTimeout
            self.probeTimeout = probeTimeout
            self.statusPolicy = statusPolicy
            self.queryZPLErrors = queryZPLErrors
            self.silentWhenFaulted = silentWhenFaulted
        }
    }

    /// What the last operation found out about the printer.
    public enum LinkState: Sendable, Hashable {
        /// Nothing was done yet.
        case idle
        /// The last status said ready, or the last label went out whole.
        case ready
        /// The printer reported (or, by silence, implied) a condition that stops printing.
        case faulted(PrinterCondition)
        /// The link failed; the next operation reconnects.
        case lost(TransportError)
    }

    /// Whether an optional query is answered by this printer.
    enum Support: Sendable { case unknown, answered, unanswered }

    public let name: String
    public let language: PrinterLanguage
    public let dpi: Int
    public let transport: any PrinterTransport
    public let options: Options

    private let queue: DispatchQueue
    private let lock = NSLock()
    private var link: LinkState = .idle
    private var latest: PrinterStatus?
    // Touched only on `queue`.
    private var labelsSinceCheck = Int.max
    private var hostQuerySupport = Support.unknown
    private var realTimeSupport: [UInt8: Support] = [1: .unknown, 2: .unknown, 3: .unknown, 4: .unknown]

    public init(name: String, language: PrinterLanguage, dpi: Int, transport: any PrinterTransport,
                options: Options = Options()) {
        self.name = name
        self.language = language
        self.dpi = dpi
        self.transport = transport
        self.options = options
        queue = DispatchQueue(label: "station.printer.\(name)")
    }

    /// What the last operation found out.
    public var linkState: LinkState {
        lock.lock()
        defer { lock.unlock() }
        return link
    }

    /// The status from the last query, if any.
    public var lastStatus: PrinterStatus? {
        lock.lock()
        defer { lock.unlock() }
        return latest
    }

    // MARK: LabelPrinter

    /// Asks the printer. Never throws for printer trouble: an unreachable printer is
    /// ``PrinterCondition/offline``, a silent one ``PrinterCondition/notResponding``, an
    /// unreadable reply ``PrinterCondition/unknown``.
    public func status() async throws -> PrinterStatus {
        try await onQueue { self.statusOnQueue() }
    }

    /// Checks status (per ``Options/statusPolicy``), then writes the label. The receipt counts
    /// bytes the link confirmed; failures say how much of the label may have reached the printer.
    public func send(_ label: PrintableLabel) async throws -> PrintReceipt {
        guard label.language == language else {
            throw PrinterError.misconfigured(printer: name, reason: "the label is \(label.language.rawValue) but the printer "
                                             + "speaks \(language.rawValue); set printers.\(name).language to match the printer")
        }
        return try await onQueue { () throws(PrinterError) -> PrintReceipt in try self.sendOnQueue(label) }
    }

    /// Closes the link (it reopens on the next operation).
    public func close() async {
        _ = try? await onQueue { self.transport.close() }
    }

    private func onQueue<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    private func record(_ state: LinkState, status: PrinterStatus? = nil) {
        lock.lock()
        link = state
        if let status { latest = status }
        lock.unlock()
    }

    // MARK: Sending

    private func sendOnQueue(_ label: PrintableLabel) throws(PrinterError) -> PrintReceipt {
        if transport.canRead, mustCheckStatus() {
            let status: PrinterStatus
            do {
                status = try queryStatus()
            } catch {
                record(.lost(error))
                throw .unreachable(printer: name, reason: error.description)
            }
            guard status.canPrint else {
                record(.faulted(status.condition), status: status)
                throw .notReady(printer: name, status: status.condition)
            }
            record(.ready, status: status)
            labelsSinceCheck = 0
        }
        var retried = false
        while true {
            do {
                let written = try transport.write(label.bytes, timeout: options.writeTimeout)
                labelsSinceCheck = labelsSinceCheck == Int.max ? 1 : labelsSinceCheck + 1
                record(.ready)
                return PrintReceipt(printer: name, bytesWritten: written, file: nil)
            } catch {
                record(.lost(error))
                if !error.delivered.isNone {
                    throw .interrupted(printer: name, delivered: error.delivered, total: label.bytes.count,
                                       reason: error.description)
                }
                // A connection the printer dropped just now: nothing got out, so one retry is safe.
                if case .connectionLost = error, !retried {
                    retried = true
                    continue
                }
                throw .unreachable(printer: name, reason: error.description)
            }
        }
    }

    private func mustCheckStatus() -> Bool {
        switch options.statusPolicy {
        case .beforeEachLabel: return true
        case .everyLabels(let n): return labelsSinceCheck >= max(1, n)
        case .never: return false
        }
    }

    // MARK: Status

    private func statusOnQueue() -> PrinterStatus {
        guard transport.canRead else {
            let status = PrinterStatus(faults: [.unknown], detail: TransportError.readUnsupported(endpoint: transport.endpoint).description,
                                       evidence: .notQueryable)
            record(.faulted(.unknown), status: status)
            return status
        }
        do {
            let status = try queryStatus()
            record(status.canPrint ? .ready : .faulted(status.condition), status: status)
            return status
        } catch {
            let status = PrinterStatus(faults: [.offline], detail: error.description, evidence: .linkFailure)
            record(.lost(error), status: status)
            return status
        }
    }

    /// Asks and parses. Throws only when the link itself fails; silence and garbage are statuses.
    private func queryStatus() throws(TransportError) -> PrinterStatus {
        switch language {
        case .zpl: return try queryZPL()
        case .escpos: return try queryESCPOS()
        }
    }

    enum Outcome<Reply> {
        case reply(Reply)
        case silent
        case unreadable(StatusReplyError)
    }

    /// Reads until `feed` returns a reply, the reply turns out unreadable, or `timeout` passes.
    private func collect<Reply>(timeout: Duration,
                                _ feed: ([UInt8]) throws(StatusReplyError) -> Reply?) throws(TransportError) -> Outcome<Reply> {
        let deadline = ContinuousClock.now + timeout
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return .silent }
            let bytes: [UInt8]
            do {
                bytes = try transport.read(maxLength: 512, timeout: remaining)
            } catch {
                if case .readTimedOut = error { return .silent }
                throw error
            }
            do {
                if let reply = try feed(bytes) { return .reply(reply) }
            } catch {
                return .unreadable(error)
            }
        }
    }

    private func silence(_ query: String, waited: Duration) -> PrinterStatus {
        let advice = options.silentWhenFaulted
            ? "this model sends no status while media is out or the head is open: check paper, ribbon and head"
            : "check that the printer is switched on, set to \(language == .zpl ? "ZPL" : "ESC/POS") and not in an error state"
        return PrinterStatus(faults: [.notResponding],
                             detail: "no reply to \(query) within \(PrinterPOSIX.milliseconds(waited)) ms; \(advice)",
                             evidence: .noReply(query: query, waitedMilliseconds: PrinterPOSIX.milliseconds(waited)))
    }

    private func unreadable(_ query: String, _ error: StatusReplyError) -> PrinterStatus {
        PrinterStatus(faults: [.unknown], detail: error.description, evidence: .unreadableReply(query: query))
    }

    private func queryZPL() throws(TransportError) -> PrinterStatus {
        let combined = options.queryZPLErrors && hostQuerySupport == .answered
        let expecting: ZPLStatusDecoder.Expecting = combined ? .hostStatusAndErrors : .hostStatus
        transport.discardPendingInput()
        try transport.write(expecting.command, timeout: options.statusTimeout)
        var decoder = ZPLStatusDecoder(expecting: expecting)
        var reply: ZPLStatusReply
        switch try collect(timeout: options.statusTimeout, { bytes throws(StatusReplyError) in try decoder.feed(bytes) }) {
        case .reply(let r):
            reply = r
        case .silent:
            guard combined, decoder.framesReceived >= 3 else { return silence(expecting.name, waited: options.statusTimeout) }
            // The ~HS part came but ~HQES no longer does: read ~HS alone from now on.
            hostQuerySupport = .unknown
            return try queryZPL()
        case .unreadable(let error):
            return unreadable(expecting.name, error)
        }
        guard options.queryZPLErrors, hostQuerySupport == .unknown else {
            return PrinterStatus(zpl: reply, query: expecting.name)
        }
        // Find out once whether this printer answers ~HQES (Link-OS firmware does).
        transport.discardPendingInput()
        try transport.write(ZPLStatusDecoder.Expecting.errorsOnly.command, timeout: options.statusTimeout)
        var errorsDecoder = ZPLStatusDecoder(expecting: .errorsOnly)
        switch try collect(timeout: min(options.probeTimeout, options.statusTimeout), { bytes throws(StatusReplyError) in try errorsDecoder.feed(bytes) }) {
        case .reply(let errors):
            hostQuerySupport = .answered
            reply.errors = errors.errors
            return PrinterStatus(zpl: reply, query: ZPLStatusDecoder.Expecting.hostStatusAndErrors.name)
        case .silent, .unreadable:
            hostQuerySupport = .unanswered
            return PrinterStatus(zpl: reply, query: expecting.name)
        }
    }

    private func queryESCPOS() throws(TransportError) -> PrinterStatus {
        let functions: [UInt8] = [1, 2, 3, 4]
        let known = functions.filter { realTimeSupport[$0] == .answered }
        let undecided = functions.contains { realTimeSupport[$0] == .unknown }
        if !undecided, known.first == 1 {
            // Every function's support is known: ask all answered ones in one go.
            transport.discardPendingInput()
            var decoder = ESCPOSStatusDecoder(functions: known)
            try transport.write(decoder.request, timeout: options.statusTimeout)
            let name = ESCPOSStatusDecoder.name(known)
            switch try collect(timeout: options.statusTimeout, { bytes throws(StatusReplyError) in try decoder.feed(bytes) }) {
            case .reply(let report): return PrinterStatus(escpos: report, query: name)
            case .silent:
                if decoder.answered > 0 { for n in functions { realTimeSupport[n] = .unknown } }
                return silence(name, waited: options.statusTimeout)
            case .unreadable(let error): return unreadable(name, error)
            }
        }
        // Ask one at a time, learning which functions this printer answers.
        var report = ESCPOSStatusReport()
        var asked: [UInt8] = []
        for n in functions where realTimeSupport[n] != .unanswered {
            transport.discardPendingInput()
            var decoder = ESCPOSStatusDecoder(functions: [n])
            try transport.write(decoder.request, timeout: options.statusTimeout)
            let wait = n == 1 || realTimeSupport[n] == .answered ? options.statusTimeout : min(options.probeTimeout, options.statusTimeout)
            switch try collect(timeout: wait, { bytes throws(StatusReplyError) in try decoder.feed(bytes) }) {
            case .reply(let single):
                realTimeSupport[n] = .answered
                asked.append(n)
                report.printer = single.printer ?? report.printer
                report.offlineCause = single.offlineCause ?? report.offlineCause
                report.errorCause = single.errorCause ?? report.errorCause
                report.rollPaper = single.rollPaper ?? report.rollPaper
            case .silent:
                if n == 1 { return silence(ESCPOSStatusDecoder.name([1]), waited: wait) }
                realTimeSupport[n] = .unanswered
            case .unreadable(let error):
                return unreadable(ESCPOSStatusDecoder.name([n]), error)
            }
        }
        return PrinterStatus(escpos: report, query: ESCPOSStatusDecoder.name(asked))
    }
}
