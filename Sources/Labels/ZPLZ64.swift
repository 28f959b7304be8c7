import CZlib
import Foundation

extension ZPLGraphicCompression {
    /// `:Z64:` graphic data (ZPL II Programming Guide, "ZB64 Encoding and Compression"): the
    /// packed rows deflated into a zlib stream, Base64-encoded without line breaks, then `:`
    /// and the CRC-16/CCITT (polynomial 0x1021, initial value 0) of the Base64 text as four
    /// uppercase hexadecimal digits.
    public static func z64(_ bitmap: LabelBitmap) -> [UInt8] {
        let deflated = zlibCompress(bitmap.bits)
        let base64 = Array(Data(deflated).base64EncodedString().utf8)
        var out: [UInt8] = Array(":Z64:".utf8)
        out.reserveCapacity(base64.count + 12)
        out += base64
        out.append(UInt8(ascii: ":"))
        let crc = crc16CCITT(base64)
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((crc >> UInt16(shift)) & 0xF)]) }
        return out
    }

    /// CRC-16/CCITT as Zebra computes it for B64/Z64 (also known as CRC-16/XMODEM).
    public static func crc16CCITT(_ bytes: [UInt8]) -> UInt16 {
        var crc: UInt16 = 0
        for b in bytes {
            crc ^= UInt16(b) << 8
            for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        }
        return crc
    }

    /// A zlib stream (RFC 1950) of `bytes` at the default level.
    static func zlibCompress(_ bytes: [UInt8]) -> [UInt8] {
        var capacity = compressBound(uLong(bytes.count))
        var out = [UInt8](repeating: 0, count: Int(capacity))
        let status = out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src in
                compress2(dst.baseAddress, &capacity, src.baseAddress, uLong(src.count), Z_DEFAULT_COMPRESSION)
            }
        }
        // compressBound guarantees room, and the arguments are valid: any failure is a bug.
        precondition(status == Z_OK, "zlib compress2 failed with status \(status)")
        out.removeSubrange(Int(capacity)...)
        return out
    }
}
