import CZlib
import Foundation
import Synchronization

extension ZPLGraphicCompression {
    /// `:Z64:` graphic data (ZPL II Programming Guide, "ZB64 Encoding and Compression"): the
    /// packed rows deflated into a zlib stream, Base64-encoded without line breaks, then `:`
    /// and the CRC-16/CCITT (polynomial 0x1021, initial value 0) of the Base64 text as four
    /// uppercase hexadecimal digits.
    public static func z64(_ bitmap: LabelBitmap) -> [UInt8] {
        let deflated = zlibCompress(bitmap.bits)
        let base64 = Data(deflated).base64EncodedData()
        var out: [UInt8] = Array(":Z64:".utf8)
        out.reserveCapacity(base64.count + 12)
        out += base64
        out.append(UInt8(ascii: ":"))
        let crc = base64.withUnsafeBytes { crc16CCITT($0) }
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        for shift in stride(from: 12, through: 0, by: -4) { out.append(hex[Int((crc >> UInt16(shift)) & 0xF)]) }
        return out
    }

    /// CRC-16/CCITT as Zebra computes it for B64/Z64 (also known as CRC-16/XMODEM).
    public static func crc16CCITT(_ bytes: [UInt8]) -> UInt16 {
        bytes.withUnsafeBytes { crc16CCITT($0) }
    }

    static func crc16CCITT(_ bytes: UnsafeRawBufferPointer) -> UInt16 {
        var crc: UInt16 = 0
        crcTable.withUnsafeBufferPointer { table in
            for b in bytes { crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ b)] }
        }
        return crc
    }

    /// The CRC of each byte value shifted in alone, so the CRC advances a byte at a time.
    private static let crcTable: [UInt16] = (0..<256).map { (i: Int) -> UInt16 in
        var c = UInt16(i) << 8
        for _ in 0..<8 { c = c & 0x8000 != 0 ? (c << 1) ^ 0x1021 : c << 1 }
        return c
    }

    /// The zlib level: level 1 keeps the 50×30 mm stamp under 2.5 KB of ZPL; level 6 would deflate
    /// its fields 16–22 % smaller at several times the cost, paid on every label's QR and serial.
    static let zlibLevel: Int32 = 1

    /// A zlib stream (RFC 1950) of `bytes`. Streams are kept and reset between labels: setting
    /// one up allocates and clears its window and hash tables, which costs more than deflating a
    /// whole label. The 32 KB window keeps the standard header (0x78); a small hash table (memory
    /// level 4) is all a label's few kilobytes need and is quick to clear on each reset.
    static func zlibCompress(_ bytes: [UInt8]) -> [UInt8] {
        let deflater = idleDeflaters.withLock { $0.popLast() } ?? Deflater(level: zlibLevel)
        defer { idleDeflaters.withLock { if $0.count < 8 { $0.append(deflater) } } }
        return deflater.compress(bytes)
    }

    private static let idleDeflaters = Mutex<[Deflater]>([])
}

/// One zlib deflate stream, reused: used by one caller at a time (the pool above hands it out).
private final class Deflater: @unchecked Sendable {
    private let stream: UnsafeMutablePointer<z_stream>

    init(level: Int32) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = czlib_deflate_init2(stream, level, 15, 4)
        // Valid constant arguments: a failure is out of memory or a broken zlib.
        precondition(status == Z_OK, "zlib deflateInit2 failed with status \(status)")
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    func compress(_ bytes: [UInt8]) -> [UInt8] {
        precondition(deflateReset(stream) == Z_OK, "zlib deflateReset failed")
        let bound = Int(deflateBound(stream, uLong(bytes.count)))
        var out = [UInt8](repeating: 0, count: bound)
        let written = out.withUnsafeMutableBufferPointer { dst in
            bytes.withUnsafeBufferPointer { src -> Int in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: src.baseAddress)
                stream.pointee.avail_in = uInt(src.count)
                stream.pointee.next_out = dst.baseAddress
                stream.pointee.avail_out = uInt(dst.count)
                let status = deflate(stream, Z_FINISH)
                // deflateBound guarantees room for the whole stream in one call.
                precondition(status == Z_STREAM_END, "zlib deflate did not finish (status \(status))")
                stream.pointee.next_in = nil
                stream.pointee.next_out = nil
                return Int(stream.pointee.total_out)
            }
        }
        out.removeSubrange(written...)
        return out
    }
}
