import Foundation

/// One accepted scan: the code's bytes as the scanner sent them, without its symbology
/// identifier and terminator, plus where and when it was read.
///
/// GS1 separators stay in the data as GS (ASCII 29), however the scanner transmitted them
/// (Ctrl+], an Alt code, a configured placeholder), so element strings can be parsed as is.
public struct ScanInput: Sendable, Hashable {
    /// The scanned data; valid UTF-8 without terminators or control characters other than
    /// GS, RS, FS and EOT (the ISO/IEC 15434 separators).
    public var bytes: [UInt8]
    /// ISO/IEC 15424 symbology identifier the scanner sent (e.g. `]Q1`), when it sent one.
    public var symbology: AIMIdentifier?
    /// The configured scanner name (`scanners.NAME`).
    public var scanner: String
    /// When the scan was complete.
    public var receivedAt: Date

    /// A scan as a reader reports it.
    public init(bytes: [UInt8], symbology: AIMIdentifier?, scanner: String, receivedAt: Date) {
        self.bytes = bytes
        self.symbology = symbology
        self.scanner = scanner
        self.receivedAt = receivedAt
    }

    /// The data as text; always succeeds because only valid UTF-8 becomes a ``ScanInput``.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The data with control characters made visible (`<GS>`), for logs and the operator's screen.
    public var displayText: String { ScanText.display(bytes) }
}

/// A scan the station must not use, and why. Rejections are reported rather than dropped so the
/// operator sees that something was read and can rescan or fix the scanner's configuration.
public struct ScanRejection: Sendable, Hashable {
    /// Why the scan cannot be used.
    public var reason: ScanRejectionReason
    /// Up to the first ``ScanRejection/prefixLimit`` bytes of what arrived, for the log.
    public var prefix: [UInt8]
    /// The configured scanner name.
    public var scanner: String
    /// When the scan ended.
    public var receivedAt: Date

    /// How much of a rejected scan is kept; an endless line costs no more than this.
    public static let prefixLimit = 64

    /// A rejection; `prefix` is cut to ``prefixLimit`` bytes.
    public init(reason: ScanRejectionReason, prefix: [UInt8], scanner: String, receivedAt: Date) {
        self.reason = reason
        self.prefix = Array(prefix.prefix(Self.prefixLimit))
        self.scanner = scanner
        self.receivedAt = receivedAt
    }
}

/// Why a scan was rejected. Each description says what the operator or installer can do.
public enum ScanRejectionReason: Sendable, Hashable, CustomStringConvertible {
    /// More than `limit` bytes arrived before the terminator.
    case tooLong(limit: Int)
    /// The bytes are not UTF-8; `offset` is the first byte that does not fit.
    case invalidUTF8(offset: Int)
    /// A control character other than GS/RS/FS/EOT (or DEL, or a C1 control) at `offset`.
    case controlCharacter(scalar: UInt32, offset: Int)
    /// A keyboard-mode scanner pressed a key that produces no character in the configured layout
    /// (e.g. F1, an arrow key, or a letter the layout does not have at that position).
    case unmappedKey(usage: UInt8, modifiers: UInt8)
    /// An Alt+keypad code the station does not translate (above 255, or a DOS code page code).
    case unsupportedAltCode(Int)
    /// The data stopped before its end: no terminator, or no continuation report, in time.
    case incomplete
    /// A HID report that cannot be a scanner's (wrong length, impossible byte count).
    case malformedReport(String)
    /// The profile requires symbology identifiers and this scan had none.
    case missingSymbologyIdentifier
    /// Nothing but a symbology identifier arrived.
    case empty

    public var description: String {
        switch self {
        case let .tooLong(limit):
            return "scan longer than \(limit) bytes (a stuck key or a scanner without terminator?): rejected"
        case let .invalidUTF8(offset):
            return "scan is not valid UTF-8 at byte \(offset): check the scanner's code page / keyboard country setting"
        case let .controlCharacter(scalar, offset):
            return "scan contains control character U+\(ScanText.hex(scalar, width: 4)) at byte \(offset): "
                + "configure the scanner to send only data, GS separators and the terminator"
        case let .unmappedKey(usage, modifiers):
            return "scanner pressed key 0x\(ScanText.hex(UInt32(usage), width: 2)) (modifiers 0x\(ScanText.hex(UInt32(modifiers), width: 2))) "
                + "that the keyboard layout does not map: set the scanner's keyboard country to the profile's layout"
        case let .unsupportedAltCode(code):
            return "scanner sent Alt code \(code), which has no fixed meaning: configure it for UTF-8 or a Windows-1252 (Alt+0nnn) code"
        case .incomplete:
            return "scan stopped before its end (no terminator or missing continuation): rescan"
        case let .malformedReport(detail):
            return "malformed scanner report (\(detail)): check the profile's protocol"
        case .missingSymbologyIdentifier:
            return "scan without AIM symbology identifier, which this profile requires: enable AIM IDs on the scanner"
        case .empty:
            return "empty scan"
        }
    }

    /// Short Vietnamese text for the operator's screen.
    public var vietnamese: String {
        switch self {
        case let .tooLong(limit): return "Mã quá dài (trên \(limit) byte)"
        case .invalidUTF8: return "Dữ liệu quét không phải UTF-8 hợp lệ"
        case .controlCharacter: return "Mã quét chứa ký tự điều khiển không hợp lệ"
        case .unmappedKey: return "Máy quét gửi phím không xác định: kiểm tra kiểu bàn phím của máy quét"
        case .unsupportedAltCode: return "Máy quét gửi mã Alt không được hỗ trợ"
        case .incomplete: return "Mã quét bị cắt ngang, hãy quét lại"
        case .malformedReport: return "Dữ liệu từ máy quét bị lỗi"
        case .missingSymbologyIdentifier: return "Thiếu mã nhận dạng ký hiệu AIM"
        case .empty: return "Mã quét rỗng"
        }
    }
}

/// Connection state of a scanner, as the station shows it to the operator.
public enum ScannerConnectionState: Sendable, Hashable, CustomStringConvertible {
    /// The configured device is not attached (yet); the reader waits for it.
    case waitingForDevice(address: String)
    /// Reading from `device` (e.g. `05e0:1200 at /dev/bus/usb/001/002`).
    case connected(device: String)
    /// The device went away (unplugged, cable, reset); the reader reconnects when it returns.
    case disconnected(reason: String)
    /// The device exists but this process may not open it; `advice` says how to fix that.
    case permissionDenied(path: String, advice: String)
    /// Another driver or program holds the device.
    case busy(detail: String)
    /// The device cannot be used as configured (e.g. no HID interface); retrying continues in
    /// case another matching device is attached.
    case unusable(detail: String)
    /// ``ScannerReader/stop()`` was called.
    case stopped

    public var description: String {
        switch self {
        case let .waitingForDevice(address): return "waiting for scanner \(address) to be connected"
        case let .connected(device): return "connected to \(device)"
        case let .disconnected(reason):
            return "disconnected (\(reason)): the scanner was unplugged or lost power; plug it back in, scanning resumes by itself"
        case let .permissionDenied(path, advice): return "no permission to open \(path): \(advice)"
        case let .busy(detail): return "busy: \(detail)"
        case let .unusable(detail): return "cannot use this device: \(detail)"
        case .stopped: return "stopped"
        }
    }

    /// A stable word for programs and the UI.
    public var key: String {
        switch self {
        case .waitingForDevice: return "waiting"
        case .connected: return "connected"
        case .disconnected: return "disconnected"
        case .permissionDenied: return "permission_denied"
        case .busy: return "busy"
        case .unusable: return "unusable"
        case .stopped: return "stopped"
        }
    }

    /// Short Vietnamese text for the operator's screen.
    public var vietnamese: String {
        switch self {
        case .waitingForDevice: return "Đang chờ kết nối máy quét"
        case .connected: return "Máy quét đã kết nối"
        case .disconnected: return "Mất kết nối máy quét: kiểm tra cáp, máy sẽ tự kết nối lại"
        case .permissionDenied: return "Không có quyền mở máy quét: cần cấp quyền truy cập thiết bị"
        case .busy: return "Máy quét đang bị chương trình khác sử dụng"
        case .unusable: return "Thiết bị không dùng được làm máy quét"
        case .stopped: return "Máy quét đã dừng"
        }
    }
}

/// A status change of one scanner.
public struct ScannerStatus: Sendable, Hashable {
    /// The configured scanner name.
    public var scanner: String
    /// The new state.
    public var state: ScannerConnectionState
    /// When the state changed.
    public var at: Date

    /// A status change of `scanner`.
    public init(scanner: String, state: ScannerConnectionState, at: Date) {
        self.scanner = scanner
        self.state = state
        self.at = at
    }
}

/// Everything a scanner reader reports, in order.
public enum ScannerEvent: Sendable, Hashable {
    /// A new code.
    case scan(ScanInput)
    /// The same code again within the debounce window: one physical scan, reported so the
    /// station can count or show it but must not record it twice.
    case duplicate(ScanInput)
    /// Something was read but cannot be used.
    case rejected(ScanRejection)
    /// Connection state changed.
    case status(ScannerStatus)
}

/// Helpers for showing scanned bytes.
enum ScanText {
    /// Bytes as text with controls as `<GS>`, `<CR>`, `<0x01>`; invalid UTF-8 as `<0xFF>`.
    static func display(_ bytes: [UInt8]) -> String {
        var result = ""
        var index = 0
        while index < bytes.count {
            switch UTF8Validation.scalar(in: bytes, at: index) {
            case let .valid(scalar, length):
                result += name(of: scalar) ?? String(Character(scalar))
                index += length
            case .invalid:
                result += "<0x" + hex(UInt32(bytes[index]), width: 2) + ">"
                index += 1
            }
        }
        return result
    }

    private static func name(of scalar: Unicode.Scalar) -> String? {
        switch scalar.value {
        case 0x04: return "<EOT>"
        case 0x09: return "<TAB>"
        case 0x0A: return "<LF>"
        case 0x0D: return "<CR>"
        case 0x1C: return "<FS>"
        case 0x1D: return "<GS>"
        case 0x1E: return "<RS>"
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: return "<0x" + hex(scalar.value, width: 2) + ">"
        default: return nil
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
