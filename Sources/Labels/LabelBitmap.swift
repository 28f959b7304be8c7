import Barcodes

/// A 1-bit label image packed the way thermal printers take it: rows of bytes, leftmost dot in
/// the most significant bit, `1` = a burnt (black) dot.
///
/// ZPL `^GF` and ESC/POS `GS v 0` both use exactly this layout, so the raster encoders send
/// ``bits`` as they are, and the PNG preview is made from the same bytes: what the operator sees
/// is what the printhead gets. Padding bits past ``width`` in the last byte of a row are always 0.
public struct LabelBitmap: Sendable, Equatable {
    /// Width in dots.
    public let width: Int
    /// Height in dots (rows).
    public let height: Int
    /// Bytes per row: `ceil(width / 8)`.
    public let bytesPerRow: Int
    /// Row-major packed dots, `bytesPerRow × height` bytes.
    public internal(set) var bits: [UInt8]

    /// A white (unprinted) bitmap.
    public init(width: Int, height: Int) {
        precondition(width > 0 && height > 0, "bitmap dimensions must be positive")
        self.width = width
        self.height = height
        self.bytesPerRow = (width + 7) / 8
        self.bits = [UInt8](repeating: 0, count: bytesPerRow * height)
    }

    /// Wraps packed rows; `bits.count` must be `ceil(width / 8) × height` and padding bits 0.
    public init(width: Int, height: Int, bits: [UInt8]) {
        precondition(width > 0 && height > 0, "bitmap dimensions must be positive")
        let bpr = (width + 7) / 8
        precondition(bits.count == bpr * height, "bit count must equal ceil(width / 8) × height")
        self.width = width
        self.height = height
        self.bytesPerRow = bpr
        self.bits = bits
        clearPadding()
    }

    /// A bitmap with every pixel darker than `threshold` set (a hard threshold, never dithering).
    public init(thresholding image: GrayImage, threshold: UInt8 = 128) {
        self.init(width: image.width, height: image.height)
        bits.withUnsafeMutableBufferPointer { out in
            image.pixels.withUnsafeBufferPointer { px in
                for y in 0..<height {
                    let src = y * width, dst = y * bytesPerRow
                    for x in 0..<width where px[src + x] < threshold {
                        out[dst + (x >> 3)] |= 0x80 >> UInt8(x & 7)
                    }
                }
            }
        }
    }

    /// Whether the dot at (`x`, `y`) is black.
    @inlinable
    public subscript(x: Int, y: Int) -> Bool {
        bits[y * bytesPerRow + (x >> 3)] & (0x80 >> UInt8(x & 7)) != 0
    }

    /// How many dots are black; the printhead's duty for this label.
    public var blackDotCount: Int {
        bits.reduce(0) { $0 + $1.nonzeroBitCount }
    }

    /// Sets (blackens) the rectangle, clipped to the bitmap.
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int) {
        let x0 = max(0, x), y0 = max(0, y)
        let x1 = min(width, x + w), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let firstByte = x0 >> 3, lastByte = (x1 - 1) >> 3
        let firstMask: UInt8 = 0xFF >> UInt8(x0 & 7)
        let lastMask: UInt8 = 0xFF << UInt8(7 - ((x1 - 1) & 7))
        let bpr = bytesPerRow
        bits.withUnsafeMutableBufferPointer { p in
            for row in y0..<y1 {
                let base = row * bpr
                if firstByte == lastByte {
                    p[base + firstByte] |= firstMask & lastMask
                } else {
                    p[base + firstByte] |= firstMask
                    var b = firstByte + 1
                    while b < lastByte { p[base + b] = 0xFF; b += 1 }
                    p[base + lastByte] |= lastMask
                }
            }
        }
    }

    /// Draws a rectangle outline `thickness` dots wide inside the given bounds.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, thickness t: Int) {
        guard w > 0, h > 0, t > 0 else { return }
        if 2 * t >= w || 2 * t >= h { fill(x: x, y: y, width: w, height: h); return }
        fill(x: x, y: y, width: w, height: t)
        fill(x: x, y: y + h - t, width: w, height: t)
        fill(x: x, y: y + t, width: t, height: h - 2 * t)
        fill(x: x + w - t, y: y + t, width: t, height: h - 2 * t)
    }

    /// ORs `source` into this bitmap with its top-left corner at (`x`, `y`), clipped.
    public mutating func draw(_ source: LabelBitmap, x: Int, y: Int) {
        source.bits.withUnsafeBufferPointer { src in
            blit(src.baseAddress!, width: source.width, height: source.height,
                 pitch: source.bytesPerRow, x: x, y: y)
        }
    }

    /// ORs packed 1-bit rows (MSB first, `pitch` bytes per row) into the bitmap at (`x`, `y`),
    /// clipped to the bitmap. Whole bytes are shifted into place; only clipped edges go dot by dot.
    mutating func blit(_ src: UnsafePointer<UInt8>, width w: Int, height h: Int, pitch: Int, x: Int, y: Int) {
        guard w > 0, h > 0 else { return }
        let rowStart = max(0, -y), rowEnd = min(h, height - y)
        guard rowStart < rowEnd else { return }
        let bpr = bytesPerRow, labelWidth = width
        let inside = x >= 0 && x + w <= labelWidth
        let shift = UInt8(x & 7)
        let srcBytes = (w + 7) >> 3
        bits.withUnsafeMutableBufferPointer { dstBuf in
            let dst = dstBuf.baseAddress!
            for r in rowStart..<rowEnd {
                let srow = src + r * pitch
                let drow = dst + (y + r) * bpr
                if inside {
                    // Source padding bits are 0, so whole bytes can be ORed in shifted.
                    let db = x >> 3
                    if shift == 0 {
                        for i in 0..<srcBytes { drow[db + i] |= srow[i] }
                    } else {
                        for i in 0..<srcBytes {
                            let v = srow[i]
                            drow[db + i] |= v >> shift
                            let spill = db + i + 1
                            if spill < bpr { drow[spill] |= v << (8 - shift) }
                        }
                    }
                } else {
                    let c0 = max(0, -x), c1 = min(w, labelWidth - x)
                    if c0 >= c1 { continue }
                    for c in c0..<c1 where srow[c >> 3] & (0x80 >> UInt8(c & 7)) != 0 {
                        let dx = x + c
                        drow[dx >> 3] |= 0x80 >> UInt8(dx & 7)
                    }
                }
            }
        }
    }

    /// ORs one packed row (`bytesPerRow` bytes, e.g. the single row of a 1-row bitmap) into
    /// rows `y ..< y+count`, clipped. Symbols are built one module row at a time this way.
    mutating func orRow(_ row: [UInt8], y: Int, count: Int) {
        precondition(row.count == bytesPerRow, "row must be bytesPerRow bytes")
        let r0 = max(0, y), r1 = min(height, y + count)
        guard r0 < r1 else { return }
        let bpr = bytesPerRow
        // Only the bytes that carry dots need touching.
        guard let first = row.firstIndex(where: { $0 != 0 }), let last = row.lastIndex(where: { $0 != 0 }) else { return }
        bits.withUnsafeMutableBufferPointer { p in
            row.withUnsafeBufferPointer { src in
                for r in r0..<r1 {
                    let base = r * bpr
                    for i in first...last { p[base + i] |= src[i] }
                }
            }
        }
    }

    /// Clears every dot.
    mutating func clear() {
        bits.withUnsafeMutableBufferPointer { p in p.update(repeating: 0) }
    }

    /// The bitmap as a gray image (black = 0, white = 255), each dot `scale × scale` pixels.
    public func grayImage(scale: Int = 1) -> GrayImage {
        precondition(scale >= 1, "scale must be at least 1")
        var img = GrayImage(width: width * scale, height: height * scale)
        img.pixels.withUnsafeMutableBufferPointer { px in
            bits.withUnsafeBufferPointer { b in
                let outWidth = width * scale
                for y in 0..<height {
                    let row = y * bytesPerRow
                    let out = y * scale * outWidth
                    for x in 0..<width where b[row + (x >> 3)] & (0x80 >> UInt8(x & 7)) != 0 {
                        for s in 0..<scale { px[out + x * scale + s] = 0 }
                    }
                    for s in 1..<max(1, scale) {
                        for i in 0..<outWidth { px[out + s * outWidth + i] = px[out + i] }
                    }
                }
            }
        }
        return img
    }

    /// The PNG preview: exactly these dots, one pixel per dot, 8-bit gray.
    public func pngData() throws -> [UInt8] {
        try PNGCodec.encode(grayImage())
    }

    private mutating func clearPadding() {
        let spare = bytesPerRow * 8 - width
        guard spare > 0 else { return }
        let mask: UInt8 = 0xFF << UInt8(spare)
        for y in 0..<height { bits[y * bytesPerRow + bytesPerRow - 1] &= mask }
    }
}

extension LabelBitmap {
    /// Rows `y ..< y + height`, byte columns `firstByte ..< firstByte + byteCount`, as a bitmap
    /// `byteCount × 8` dots wide (what one `^GF` field placed at `firstByte × 8, y` prints).
    public func cropped(firstByte: Int, byteCount: Int, y: Int, height h: Int) -> LabelBitmap {
        precondition(firstByte >= 0 && byteCount > 0 && firstByte + byteCount <= bytesPerRow && y >= 0 && h > 0 && y + h <= height,
                     "crop outside the bitmap")
        var out = [UInt8](repeating: 0, count: byteCount * h)
        let bpr = bytesPerRow
        bits.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for r in 0..<h {
                    (dst.baseAddress! + r * byteCount).update(from: src.baseAddress! + (y + r) * bpr + firstByte, count: byteCount)
                }
            }
        }
        return LabelBitmap(width: byteCount * 8, height: h, bits: out)
    }
}
