import CJPEG

/// What a JPEG file says about itself before any pixel is decoded.
public struct JPEGHeader: Sendable, Equatable {
    /// Stored width and height, before the EXIF orientation is applied.
    public let width: Int
    public let height: Int
    /// EXIF orientation 1...8 (1 = as stored); phones record how the camera was held here
    /// instead of rotating the pixels.
    public let orientation: Int
}

/// The result of decoding a JPEG: the grayscale image upright, and how it was obtained.
public struct DecodedJPEG: Sendable {
    /// Luminance, with the EXIF orientation already applied.
    public let image: GrayImage
    /// Stored size and orientation.
    public let header: JPEGHeader
    /// Scale the decoder applied (1 = full size, 1/2, 1/4 or 1/8) to stay within the pixel limit.
    public let scale: Double
    /// libjpeg's warning for a damaged but partly readable file (typically a truncated upload:
    /// the missing rows come out gray), nil for a clean file.
    public let warning: String?
}

/// JPEG files via libjpeg-turbo's TurboJPEG API (which catches libjpeg's longjmp errors itself).
///
/// Only the luminance is decoded (barcodes are read in gray); images larger than the pixel limit
/// are decoded with DCT scaling (1/2, 1/4, 1/8), which is cheaper than decoding and shrinking.
public enum JPEGCodec {
    /// The first bytes of every JPEG file (SOI marker and the next marker's 0xFF).
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    /// Reads dimensions and EXIF orientation without decoding pixels.
    public static func header(_ bytes: [UInt8]) throws(ImageCodecError) -> JPEGHeader {
        let handle = try Handle()
        return try handle.header(bytes)
    }

    /// Decodes `bytes` to an upright grayscale image of at most `maxPixels` pixels.
    ///
    /// - Parameters:
    ///   - maxPixels: the largest decoded image accepted; bigger files are decoded at 1/2, 1/4 or
    ///     1/8 scale, and refused when even 1/8 would be too big.
    ///   - maxSourcePixels: the largest size a file may declare at all (a 100-byte file can claim
    ///     65,535 × 65,535 pixels).
    /// - Throws: ``ImageCodecError/malformed(format:reason:)`` for a file libjpeg cannot read,
    ///   ``ImageCodecError/tooLarge(width:height:maxPixels:)`` for one over the limits.
    public static func decode(_ bytes: [UInt8], maxPixels: Int = 16_000_000,
                              maxSourcePixels: Int = 120_000_000) throws(ImageCodecError) -> DecodedJPEG {
        let handle = try Handle()
        let header = try handle.header(bytes)
        let (w, h) = (header.width, header.height)
        guard w * h <= maxSourcePixels else {
            throw ImageCodecError.tooLarge(width: w, height: h, maxPixels: maxSourcePixels)
        }
        guard let factor = scalingFactor(width: w, height: h, maxPixels: maxPixels) else {
            throw ImageCodecError.tooLarge(width: w, height: h, maxPixels: maxPixels)
        }
        let (ow, oh) = (scaled(w, factor), scaled(h, factor))
        var pixels = [UInt8](repeating: 128, count: ow * oh)
        // LIMITSCANS refuses progressive files with absurd numbers of scans (a known way to make
        // libjpeg spend minutes on a few kilobytes).
        let flags = TJFLAG_LIMITSCANS | TJFLAG_FASTDCT
        let status = bytes.withUnsafeBufferPointer { src in
            pixels.withUnsafeMutableBufferPointer { dst in
                tjDecompress2(handle.raw, src.baseAddress, UInt(src.count), dst.baseAddress,
                              Int32(ow), Int32(ow), Int32(oh), Int32(TJPF_GRAY.rawValue), Int32(flags))
            }
        }
        var warning: String?
        if status != 0 {
            let message = handle.lastError
            guard tjGetErrorCode(handle.raw) == Int32(TJERR_WARNING.rawValue) else {
                throw ImageCodecError.malformed(format: "JPEG", reason: message)
            }
            warning = message
        }
        let upright = GrayImage(width: ow, height: oh, pixels: pixels).oriented(exif: header.orientation)
        return DecodedJPEG(image: upright, header: header,
                           scale: Double(factor.num) / Double(factor.denom), warning: warning)
    }

    /// The largest scaling factor ≤ 1 whose output fits in `maxPixels`, if any.
    static func scalingFactor(width: Int, height: Int, maxPixels: Int) -> tjscalingfactor? {
        var count: Int32 = 0
        guard let list = tjGetScalingFactors(&count), count > 0 else { return nil }
        var factors: [tjscalingfactor] = []
        for i in 0..<Int(count) where list[i].num <= list[i].denom { factors.append(list[i]) }
        factors.sort { (a: tjscalingfactor, b: tjscalingfactor) -> Bool in
            Int(a.num) * Int(b.denom) > Int(b.num) * Int(a.denom)
        }
        return factors.first { (f: tjscalingfactor) -> Bool in scaled(width, f) * scaled(height, f) <= maxPixels }
    }

    /// TurboJPEG's `TJSCALED` macro, which Swift cannot import.
    static func scaled(_ dimension: Int, _ f: tjscalingfactor) -> Int {
        (dimension * Int(f.num) + Int(f.denom) - 1) / Int(f.denom)
    }

    /// One TurboJPEG decompressor, destroyed with its owner.
    private final class Handle {
        let raw: tjhandle

        init() throws(ImageCodecError) {
            guard let h = tjInitDecompress() else {
                throw ImageCodecError.malformed(format: "JPEG", reason: "the JPEG decoder could not be started (out of memory)")
            }
            raw = h
        }

        deinit { tjDestroy(raw) }

        var lastError: String {
            guard let p = tjGetErrorStr2(raw) else { return "unknown libjpeg error" }
            return String(cString: p)
        }

        func header(_ bytes: [UInt8]) throws(ImageCodecError) -> JPEGHeader {
            guard JPEGCodec.hasSignature(bytes) else {
                throw ImageCodecError.malformed(format: "JPEG", reason: "no JPEG start-of-image marker")
            }
            var w: Int32 = 0, h: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            let status = bytes.withUnsafeBufferPointer {
                tjDecompressHeader3(raw, $0.baseAddress, UInt($0.count), &w, &h, &subsampling, &colorspace)
            }
            guard status == 0 else { throw ImageCodecError.malformed(format: "JPEG", reason: lastError) }
            guard w > 0, h > 0 else { throw ImageCodecError.malformed(format: "JPEG", reason: "zero image size in the header") }
            if colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue) {
                throw ImageCodecError.malformed(format: "JPEG", reason: "CMYK JPEG (a print file, not a camera photo)")
            }
            return JPEGHeader(width: Int(w), height: Int(h), orientation: EXIFOrientation.read(bytes))
        }
    }
}

/// The EXIF orientation tag (0x0112) of a JPEG's APP1 segment; 1 when absent or unreadable.
enum EXIFOrientation {
    static func read(_ b: [UInt8]) -> Int {
        var i = 2
        // Walk the markers before the image data; every length is checked against the buffer.
        while i + 4 <= b.count, b[i] == 0xFF {
            let marker = b[i + 1]
            if marker == 0xDA || marker == 0xD9 { break }          // start of scan / end of image
            let length = Int(b[i + 2]) << 8 | Int(b[i + 3])
            guard length >= 2, i + 2 + length <= b.count else { break }
            if marker == 0xE1, length >= 8 {
                let seg = b[(i + 4)..<(i + 2 + length)]
                if let o = fromExif(Array(seg)) { return o }
            }
            i += 2 + length
        }
        return 1
    }

    /// `seg` starts with "Exif\0\0" and holds a TIFF structure.
    static func fromExif(_ seg: [UInt8]) -> Int? {
        guard seg.count >= 14, seg[0...5].elementsEqual([0x45, 0x78, 0x69, 0x66, 0, 0]) else { return nil }
        let t = Array(seg[6...])
        let little: Bool
        switch (t[0], t[1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        func u16(_ o: Int) -> Int? {
            guard o >= 0, o + 2 <= t.count else { return nil }
            return little ? Int(t[o]) | Int(t[o + 1]) << 8 : Int(t[o]) << 8 | Int(t[o + 1])
        }
        func u32(_ o: Int) -> Int? {
            guard let a = u16(o), let b = u16(o + 2) else { return nil }
            return little ? a | b << 16 : a << 16 | b
        }
        guard let ifd = u32(4), let entries = u16(ifd), entries < 1000 else { return nil }
        for e in 0..<entries {
            let at = ifd + 2 + 12 * e
            guard let tag = u16(at) else { return nil }
            if tag == 0x0112, let type = u16(at + 2), type == 3, let value = u16(at + 8), (1...8).contains(value) {
                return value
            }
        }
        return nil
    }
}

extension GrayImage {
    /// The image turned upright according to an EXIF orientation (1...8).
    public func oriented(exif orientation: Int) -> GrayImage {
        guard (2...8).contains(orientation) else { return self }
        let transposed = orientation >= 5
        let ow = transposed ? height : width, oh = transposed ? width : height
        var out = [UInt8](repeating: 0, count: width * height)
        let (w, h) = (width, height)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<oh {
                    for x in 0..<ow {
                        // (sx, sy): where output pixel (x, y) comes from in the stored image.
                        let sx: Int, sy: Int
                        switch orientation {
                        case 2: sx = w - 1 - x; sy = y
                        case 3: sx = w - 1 - x; sy = h - 1 - y
                        case 4: sx = x; sy = h - 1 - y
                        case 5: sx = y; sy = x
                        case 6: sx = y; sy = h - 1 - x
                        case 7: sx = w - 1 - y; sy = h - 1 - x
                        default: sx = w - 1 - y; sy = x   // 8
                        }
                        dst[y * ow + x] = src[sy * w + sx]
                    }
                }
            }
        }
        return GrayImage(width: ow, height: oh, pixels: out)
    }
}
