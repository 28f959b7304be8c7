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
    public let preview: GrayImage?
    /// A short description for logs, e.g. the Digital Link.
    public let summary: String

    public init(bytes: [UInt8], language: PrinterLanguage, preview: GrayImage?, summary: String) {
        self.bytes = bytes
        self.language = language
        self.preview = preview
        self.summary = summary
    }
}

/// What happened to a label handed to a printer.
public struct PrintReceipt: Sendable, Equatable {
    public let printer: String
    public let bytesWritten: Int
    /// Where a virtual or file printer put the bytes, if anywhere.
    public let file: String?
}

/// A printer's condition, parsed from the printer's own answer rather than assumed.
public enum PrinterCondition: String, Sendable, Codable, Equatable {
    case ready, paperOut = "paper_out", ribbonOut = "ribbon_out", headOpen = "head_open", paused, offline, bufferFull = "buffer_full", unknown

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
        }
    }
}

public struct PrinterStatus: Sendable, Equatable, Codable {
    public var condition: PrinterCondition
    public var detail: String
    public init(condition: PrinterCondition, detail: String = "") {
        self.condition = condition
        self.detail = detail
    }
    public var canPrint: Bool { condition == .ready }
}

/// A label printer reached through some transport.
public protocol LabelPrinter: Sendable {
    var name: String { get }
    var language: PrinterLanguage { get }
    var dpi: Int { get }
    func send(_ label: PrintableLabel) async throws -> PrintReceipt
    func status() async throws -> PrinterStatus
}

public enum PrinterError: Error, Equatable, CustomStringConvertible {
    case notReady(printer: String, status: PrinterCondition)
    case io(printer: String, reason: String)

    public var description: String {
        switch self {
        case .notReady(let p, let s): return "printer \(p) is not ready: \(s.rawValue) (\(s.vietnamese))"
        case .io(let p, let r): return "printer \(p): \(r)"
        }
    }
}
