#if canImport(Glibc)
import Glibc
#endif
import CQREncode

/// QR error-correction level (ISO/IEC 18004 §7.5.1): the share of codewords that may be lost.
public enum QRErrorCorrection: String, Sendable, CaseIterable, Codable {
    case low = "L", medium = "M", quartile = "Q", high = "H"

    var cLevel: QRecLevel {
        switch self {
        case .low: return QR_ECLEVEL_L
        case .medium: return QR_ECLEVEL_M
        case .quartile: return QR_ECLEVEL_Q
        case .high: return QR_ECLEVEL_H
        }
    }
}

/// A QR symbol as a square grid of dark/light modules, without the quiet zone.
public struct QRCode: Sendable, Equatable {
    /// Modules per side (21 for version 1, +4 per version).
    public let size: Int
    /// Symbol version 1...40.
    public let version: Int
    public let errorCorrection: QRErrorCorrection
    /// Row-major; `true` = dark module.
    public let modules: [Bool]

    @inlinable public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// Renders the symbol with `scale` pixels per module and a quiet zone of `quietZone` modules
    /// (ISO/IEC 18004 requires 4).
    public func image(scale: Int, quietZone: Int = 4) -> GrayImage {
        precondition(scale >= 1 && quietZone >= 0)
        let side = (size + 2 * quietZone) * scale
        var img = GrayImage(width: side, height: side)
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                img.fill(x: (x + quietZone) * scale, y: (y + quietZone) * scale, width: scale, height: scale)
            }
        }
        return img
    }
}

public enum QREncodingError: Error, Equatable, CustomStringConvertible {
    case empty
    case containsNUL
    case tooLong(bytes: Int, level: QRErrorCorrection)
    case encoderFailed(errno: Int32)

    public var description: String {
        switch self {
        case .empty: return "nothing to encode: the QR text is empty"
        case .containsNUL: return "the QR text contains a NUL byte, which libqrencode cannot carry in string mode"
        case .tooLong(let n, let level):
            return "\(n) bytes do not fit in a QR code at error correction \(level.rawValue); shorten the text or lower the error correction"
        case .encoderFailed(let e): return "libqrencode failed (errno \(e))"
        }
    }
}

/// Encodes text into QR symbols with libqrencode.
public enum QREncoder {
    /// Encodes `text` as UTF-8, letting libqrencode split it into numeric, alphanumeric and
    /// 8-bit segments for the smallest symbol (case is preserved).
    /// - Parameter minimumVersion: 0 picks the smallest version that fits.
    public static func encode(_ text: String, errorCorrection: QRErrorCorrection = .medium,
                              minimumVersion: Int = 0) throws -> QRCode {
        let bytes = Array(text.utf8)
        if bytes.isEmpty { throw QREncodingError.empty }
        if bytes.contains(0) { throw QREncodingError.containsNUL }
        guard let code = QRcode_encodeString(text, Int32(minimumVersion), errorCorrection.cLevel, QR_MODE_8, 1) else {
            let err = errno
            if err == ERANGE { throw QREncodingError.tooLong(bytes: bytes.count, level: errorCorrection) }
            throw QREncodingError.encoderFailed(errno: err)
        }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        var modules = [Bool](repeating: false, count: width * width)
        let data = code.pointee.data!
        for i in 0..<(width * width) { modules[i] = (data[i] & 1) != 0 }
        return QRCode(size: width, version: Int(code.pointee.version), errorCorrection: errorCorrection, modules: modules)
    }
}
