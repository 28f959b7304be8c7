import Barcodes

/// The command language a label printer speaks.
public enum PrinterLanguage: String, Sendable, Codable, CaseIterable {
    case zpl, escpos

    /// File extension used when the bytes are saved.
    public var fileExtension: String { self == .zpl ? "zpl" : "bin" }
}

/// One label ready for a printer: the exact bytes plus, in raster mode, the bitmap they draw.
public struct PrintableLabel: Sendable {
    public let bytes: [UInt8]
    public let language: PrinterLanguage
    /// What goes on paper, when the station drew it (raster mode). Virtual printers save it as PNG.
    /// Drawn when asked for: a real printer never needs it.
    public var preview: GrayImage? { drawPreview?() }
    public var hasPreview: Bool { drawPreview != nil }
    private let drawPreview: (@Sendable () -> GrayImage)?
    /// A short description for logs, e.g. the Digital Link.
    public let summary: String

    public init(bytes: [UInt8], language: PrinterLanguage, preview: GrayImage?, summary: String) {
        self.bytes = bytes
        self.language = language
        self.drawPreview = preview.map { image in { image } }
        self.summary = summary
    }

    /// A label whose preview is drawn only if something asks for it.
    public init(bytes: [UInt8], language: PrinterLanguage, summary: String, drawPreview: @escaping @Sendable () -> GrayImage) {
        self.bytes = bytes
        self.language = language
        self.drawPreview = drawPreview
        self.summary = summary
    }
}

/// What happened to a label handed to a printer.
public struct PrintReceipt: Sendable, Equatable {
    public let printer: String
    /// Bytes that reached the printer; on direct links, confirmed by the device (USB) or by the
    /// printer's network stack (TCP acknowledgements), not merely queued on the station.
    public let bytesWritten: Int
    /// Where a virtual or file printer put the bytes, if anywhere.
    public let file: String?

    public init(printer: String, bytesWritten: Int, file: String?) {
        self.printer = printer
        self.bytesWritten = bytesWritten
        self.file = file
    }
}

/// A printer's condition, parsed from the printer's own answer rather than assumed.
///
/// Every case except ``ready`` stops printing. A printer can be in several at once (head open
/// while paper is out); ``PrinterStatus/faults`` lists them all and ``PrinterStatus/condition``
/// names the one the operator should deal with first.
public enum PrinterCondition: String, Sendable, Codable, Equatable, CaseIterable {
    case ready, paperOut = "paper_out", ribbonOut = "ribbon_out", headOpen = "head_open", paused, offline, bufferFull = "buffer_full", unknown
    /// Connected, but the printer did not answer a status query in time. Some printers (Zebra
    /// quirk `status-silent-when-faulted`) go silent exactly when media is out or the head is open.
    case notResponding = "not_responding"
    /// The printer reports a mechanical or thermal error: cutter jam, print head over
    /// temperature, bad head element, paper jam. ``PrinterStatus/detail`` names it.
    case hardwareError = "hardware_error"

    /// Vietnamese text for the operator's screen.
    public var vietnamese: String {
        switch self {
        case .ready: return "Sẵn sàng"
        case .paperOut: return "Hết giấy"
        case .ribbonOut: return "Hết mực (ribbon)"
        case .headOpen: return "Nắp đầu in đang mở"
        case .paused: return "Máy in đang tạm dừng"
        case .offline: return "Mất kết nối máy in"
        case .bufferFull: return "Bộ đệm máy in đầy"
        case .unknown: return "Không rõ trạng thái"
        case .notResponding: return "Máy in không phản hồi (kiểm tra giấy, nắp đầu in, nguồn điện)"
        case .hardwareError: return "Lỗi phần cứng máy in (dao cắt, đầu in, nhiệt độ)"
        }
    }

    /// Which condition to show first when several hold: the one whose fix unblocks the most.
    /// Lower is more urgent.
    public var urgency: Int {
        switch self {
        case .offline: return 0
        case .notResponding: return 1
        case .hardwareError: return 2
        case .headOpen: return 3
        case .paperOut: return 4
        case .ribbonOut: return 5
        case .paused: return 6
        case .bufferFull: return 7
        case .unknown: return 8
        case .ready: return 9
        }
    }
}

/// Something the printer reports that does not stop printing yet but needs attention soon.
public enum PrinterWarning: String, Sendable, Codable, Equatable, CaseIterable {
    /// The paper roll is nearly used up (ESC/POS roll near-end sensor, ZPL `~HQES` warning).
    case paperNearEnd = "paper_near_end"
    /// Media calibration needed (`~HQES`).
    case calibrationNeeded = "calibration_needed"
    /// Clean the print head (`~HQES`).
    case cleanPrinthead = "clean_printhead"
    /// Replace the print head (`~HQES`).
    case replacePrinthead = "replace_printhead"
    /// The head is below its working temperature; print may be faint (`~HS` under-temperature flag).
    case headCold = "head_cold"
    /// The printer lost its settings (`~HS` corrupt RAM flag); check darkness and label length.
    case settingsLost = "settings_lost"

    /// Vietnamese text for the operator's screen.
    public var vietnamese: String {
        switch self {
        case .paperNearEnd: return "Sắp hết giấy"
        case .calibrationNeeded: return "Cần hiệu chỉnh giấy"
        case .cleanPrinthead: return "Cần vệ sinh đầu in"
        case .replacePrinthead: return "Cần thay đầu in"
        case .headCold: return "Đầu in chưa đủ nóng (bản in có thể mờ)"
        case .settingsLost: return "Máy in mất cài đặt (kiểm tra độ đậm, chiều dài nhãn)"
        }
    }
}

/// How a ``PrinterStatus`` was obtained, so nobody mistakes an assumption for an answer.
public enum StatusEvidence: Sendable, Equatable, Codable {
    /// The printer answered `query` (e.g. `"~HS"`, `"~HS ~HQES"`, `"DLE EOT 1,2,3,4"`).
    case reply(query: String)
    /// The printer was asked `query` and said nothing for `waitedMilliseconds`.
    case noReply(query: String, waitedMilliseconds: Int)
    /// The printer answered, but with bytes that do not parse.
    case unreadableReply(query: String)
    /// The link to the printer could not be opened, or broke.
    case linkFailure
    /// The link cannot carry replies (a write-only file), so nothing is known.
    case notQueryable
    /// Set by a person or a test (the virtual printer's condition files), or built in code.
    case staged
}

/// A printer's state as its last answer described it.
public struct PrinterStatus: Sendable, Equatable, Codable {
    /// The condition to show: the most urgent of ``faults``, or ``PrinterCondition/ready``.
    public var condition: PrinterCondition
    /// What exactly was reported, in words for logs and the operator (e.g. "~HS: paper out").
    public var detail: String
    /// Every condition that stops printing, most urgent first; empty when ready.
    public var faults: [PrinterCondition]
    /// Conditions that need attention soon but do not stop printing.
    public var warnings: [PrinterWarning]
    /// Labels still to print in the current batch (ZPL `~HS` field uuuuuuuu), when reported.
    public var labelsRemaining: Int?
    /// Formats received but not yet printed (ZPL `~HS` field eee), when reported.
    public var formatsInBuffer: Int?
    /// How this status was obtained.
    public var evidence: StatusEvidence

    /// A status with a single condition (or ready).
    public init(condition: PrinterCondition, detail: String = "") {
        self.init(faults: [condition], detail: detail, evidence: .staged)
    }

    /// A status from everything a printer reported; `faults` may come in any order and with
    /// repeats, and ``PrinterCondition/ready`` among them is ignored.
    public init(faults: [PrinterCondition], warnings: [PrinterWarning] = [], detail: String = "",
                labelsRemaining: Int? = nil, formatsInBuffer: Int? = nil, evidence: StatusEvidence) {
        var unique: [PrinterCondition] = []
        for fault in faults where fault != .ready && !unique.contains(fault) { unique.append(fault) }
        unique.sort { $0.urgency < $1.urgency }
        var warned: [PrinterWarning] = []
        for warning in warnings where !warned.contains(warning) { warned.append(warning) }
        self.condition = unique.first ?? .ready
        self.faults = unique
        self.warnings = warned
        self.detail = detail
        self.labelsRemaining = labelsRemaining
        self.formatsInBuffer = formatsInBuffer
        self.evidence = evidence
    }

    /// True only when the printer said it is ready: an unanswered or unreadable query is not ready.
    public var canPrint: Bool { condition == .ready && faults.isEmpty }

    private enum CodingKeys: String, CodingKey {
        case condition, detail, faults, warnings, labelsRemaining, formatsInBuffer, evidence
    }

    /// Decodes both this form and the older `{condition, detail}` one.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        condition = try c.decode(PrinterCondition.self, forKey: .condition)
        detail = try c.decodeIfPresent(String.self, forKey: .detail) ?? ""
        faults = try c.decodeIfPresent([PrinterCondition].self, forKey: .faults) ?? (condition == .ready ? [] : [condition])
        warnings = try c.decodeIfPresent([PrinterWarning].self, forKey: .warnings) ?? []
        labelsRemaining = try c.decodeIfPresent(Int.self, forKey: .labelsRemaining)
        formatsInBuffer = try c.decodeIfPresent(Int.self, forKey: .formatsInBuffer)
        evidence = try c.decodeIfPresent(StatusEvidence.self, forKey: .evidence) ?? .staged
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(condition, forKey: .condition)
        try c.encode(detail, forKey: .detail)
        try c.encode(faults, forKey: .faults)
        try c.encode(warnings, forKey: .warnings)
        try c.encodeIfPresent(labelsRemaining, forKey: .labelsRemaining)
        try c.encodeIfPresent(formatsInBuffer, forKey: .formatsInBuffer)
        try c.encode(evidence, forKey: .evidence)
    }
}

/// A label printer reached through some transport.
public protocol LabelPrinter: Sendable {
    var name: String { get }
    var language: PrinterLanguage { get }
    var dpi: Int { get }
    func send(_ label: PrintableLabel) async throws -> PrintReceipt
    func status() async throws -> PrinterStatus
}

/// Why a label did not (certainly) reach paper. Each case says whether the label may have
/// printed, so a print job can tell "safe to send again" from "check the printer first".
public enum PrinterError: Error, Equatable, CustomStringConvertible {
    /// The printer reported a condition that stops printing; nothing was sent.
    case notReady(printer: String, status: PrinterCondition)
    /// Input/output failed where the amount sent is unknown (virtual printers writing files).
    case io(printer: String, reason: String)
    /// The printer could not be reached (refused, unplugged, no permission); nothing was sent.
    case unreachable(printer: String, reason: String)
    /// The link failed part-way through a label: some bytes reached the printer, so the label
    /// may print whole, in part or not at all, and must be checked before it is sent again.
    case interrupted(printer: String, delivered: DeliveredBytes, total: Int, reason: String)
    /// The station's configuration does not fit this printer (wrong language, bad address).
    case misconfigured(printer: String, reason: String)

    /// Bytes of the failed label that reached the printer: none for ``notReady``,
    /// ``unreachable`` and ``misconfigured``; unknown (`nil`) for ``io``.
    public var delivered: DeliveredBytes? {
        switch self {
        case .notReady, .unreachable, .misconfigured: return DeliveredBytes.none
        case .io: return nil
        case .interrupted(_, let delivered, _, _): return delivered
        }
    }

    /// True when the label may be on paper (in part), so resending it could duplicate a serial.
    public var labelMayHavePrinted: Bool { delivered.map { !$0.isNone } ?? true }

    public var description: String {
        switch self {
        case .notReady(let p, let s):
            return "printer \(p) is not ready: \(s.rawValue) (\(s.vietnamese)); nothing was sent: fix it at the printer (paper, ribbon, head closed, pause button), then resume"
        case .io(let p, let r): return "printer \(p): \(r)"
        case .unreachable(let p, let r):
            return "printer \(p) cannot be reached (\(r)): check that it is switched on and its USB cable or network is connected; "
                + "nothing was sent, so the label can be sent again once this is fixed"
        case .interrupted(let p, let d, let total, let r):
            return "printer \(p): the link failed after \(d) of \(total) bytes (\(r)); the label may be partly printed "
                + "or held in the printer's buffer: check the last label, cancel what the printer holds (or switch it "
                + "off and on), and mark the label for reprint or void before resuming"
        case .misconfigured(let p, let r): return "printer \(p) is misconfigured: \(r)"
        }
    }
}
