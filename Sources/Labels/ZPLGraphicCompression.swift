#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ZPL II ASCII compression of graphic-field data (ZPL II Programming Guide, "Alternative Data
/// Compression Scheme for ~DG and ~DB Commands", used by `^GFA`).
///
/// Each row is written as hexadecimal digits, with:
/// - a repeat count before a digit: `G`–`Y` = 1–19, `g`–`y` = 20–380 in steps of 20, `z` = 400
///   (counts add up: `hK` = 40 + 5 = 45);
/// - `,` = the rest of the row is 0 (white), `!` = the rest of the row is 1 (black);
/// - `:` = this row repeats the previous row.
/// A 50 × 30 mm stamp at 203 dpi (12,000 bytes of dots) shrinks to about 2–3 KB this way, with
/// no library on either side of the cable.
public enum ZPLGraphicCompression {
    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// The compressed data of a whole bitmap, row after row.
    public static func compress(_ bitmap: LabelBitmap) -> [UInt8] {
        let bpr = bitmap.bytesPerRow
        // A row never needs more than one character per digit plus its terminator.
        let worst = bitmap.height * (2 * bpr + 1)
        var out = [UInt8](repeating: 0, count: worst)
        let written = out.withUnsafeMutableBufferPointer { dst -> Int in
            bitmap.bits.withUnsafeBufferPointer { bits -> Int in
                var w = RowWriter(base: dst.baseAddress!)
                for y in 0..<bitmap.height {
                    let row = bits.baseAddress! + y * bpr
                    if y > 0, memcmp(row, row - bpr, bpr) == 0 {
                        w.put(UInt8(ascii: ":"))
                        continue
                    }
                    compressRow(UnsafeBufferPointer(start: row, count: bpr), into: &w)
                }
                return w.count
            }
        }
        out.removeSubrange(written...)
        return out
    }

    /// One row (packed bytes) compressed, given the previous row (nil for the first): `:` when
    /// they are equal.
    public static func compressRow(_ row: [UInt8], previous: [UInt8]?) -> String {
        if let previous, previous == row { return ":" }
        guard !row.isEmpty else { return "" }
        var out = [UInt8](repeating: 0, count: 2 * row.count + 1)
        let written = out.withUnsafeMutableBufferPointer { dst in
            row.withUnsafeBufferPointer { src -> Int in
                var w = RowWriter(base: dst.baseAddress!)
                compressRow(src, into: &w)
                return w.count
            }
        }
        return String(decoding: out[..<written], as: UTF8.self)
    }

    /// Appends into a buffer sized for the worst case, without capacity checks per byte.
    struct RowWriter {
        let base: UnsafeMutablePointer<UInt8>
        var count = 0
        @inline(__always) mutating func put(_ b: UInt8) { base[count] = b; count += 1 }
    }

    /// The repeat-count characters for `count` (≥ 1): `z` per 400, one of `g`–`y` for the
    /// twenties, one of `G`–`Y` for the rest.
    public static func repeatCode(_ count: Int) -> String {
        var buffer = [UInt8](repeating: 0, count: count / 400 + 2)
        let written = buffer.withUnsafeMutableBufferPointer { dst -> Int in
            var w = RowWriter(base: dst.baseAddress!)
            appendRepeat(count, into: &w)
            return w.count
        }
        return String(decoding: buffer[..<written], as: UTF8.self)
    }

    static func compressRow(_ row: UnsafeBufferPointer<UInt8>, into out: inout RowWriter) {
        let count = row.count
        let n = count * 2
        @inline(__always) func nibble(_ i: Int) -> UInt8 {
            let b = row[i >> 1]
            return i & 1 == 0 ? b >> 4 : b & 0x0F
        }
        // A run of 0s or Fs reaching the end of the row becomes `,` or `!`.
        var end = n
        var tail: UInt8? = nil
        let last = nibble(n - 1)
        if last == 0 || last == 0xF {
            let full: UInt8 = last == 0 ? 0x00 : 0xFF
            var b = count - 1
            while b >= 0 && row[b] == full { b -= 1 }
            var k = (b + 1) * 2
            if b >= 0 && row[b] & 0x0F == last { k -= 1 }
            if n - k >= 2 || k == 0 {
                end = k
                tail = last == 0 ? UInt8(ascii: ",") : UInt8(ascii: "!")
            }
        }
        var i = 0
        while i < end {
            let d = nibble(i)
            var j = i + 1
            let pair = d << 4 | d
            while j < end {
                // Whole bytes of the same digit are skipped two nibbles at a time.
                if j & 1 == 0 && j + 1 < end && row[j >> 1] == pair { j += 2; continue }
                if nibble(j) != d { break }
                j += 1
            }
            let run = j - i
            if run >= 3 {
                appendRepeat(run, into: &out)
                out.put(hexDigits[Int(d)])
            } else {
                out.put(hexDigits[Int(d)])
                if run == 2 { out.put(hexDigits[Int(d)]) }
            }
            i = j
        }
        if let tail { out.put(tail) }
    }

    static func appendRepeat(_ count: Int, into out: inout RowWriter) {
        precondition(count >= 1, "a repeat count is at least 1")
        var c = count
        while c >= 400 { out.put(UInt8(ascii: "z")); c -= 400 }
        if c >= 20 { out.put(UInt8(ascii: "f") + UInt8(c / 20)); c %= 20 }
        if c >= 1 { out.put(UInt8(ascii: "F") + UInt8(c)) }
    }
}
