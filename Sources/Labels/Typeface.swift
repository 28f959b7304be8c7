import CFreeType

/// The TrueType fonts labels are set in.
///
/// DejaVu Sans (Debian `fonts-dejavu-core`) is the default: it has every precomposed
/// Vietnamese letter (U+1EA0–U+1EF9, ơ, ư, đ) in both weights, and good TrueType hinting
/// for small sizes on a 1-bit printhead.
public struct LabelFonts: Sendable, Equatable {
    /// TrueType files for normal and bold text.
    public var regularPath: String
    public var boldPath: String

    /// Fonts from two TrueType files (the same path twice for a family without bold).
    public init(regularPath: String, boldPath: String) {
        self.regularPath = regularPath
        self.boldPath = boldPath
    }

    /// `/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf` and `DejaVuSans-Bold.ttf`.
    public static let dejaVuSans = LabelFonts(
        regularPath: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        boldPath: "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
}

/// Why a font could not be opened.
public struct FontError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The font file.
    public let path: String
    /// FreeType's error code.
    public let code: Int32

    /// What went wrong and what to do.
    public var description: String {
        "cannot open the font \(path) (FreeType error \(code)); install fonts-dejavu-core or point "
            + "LabelFonts at a TrueType file that exists"
    }
}

/// One rasterised glyph: packed 1-bit rows (MSB first) and its placement against the pen.
final class Glyph {
    let width: Int
    let rows: Int
    let pitch: Int
    /// Dots from the pen position to the bitmap's left edge.
    let left: Int
    /// Dots from the baseline up to the bitmap's top row.
    let top: Int
    /// Pen advance in whole dots.
    let advance: Int
    let bits: [UInt8]

    init(width: Int, rows: Int, pitch: Int, left: Int, top: Int, advance: Int, bits: [UInt8]) {
        self.width = width; self.rows = rows; self.pitch = pitch
        self.left = left; self.top = top; self.advance = advance; self.bits = bits
    }
}

/// One FreeType face with its own `FT_Library` (FreeType objects are not shared across
/// threads, so each owner gets its own pair), freed in `deinit`.
final class Typeface {
    let path: String
    private let library: FT_Library
    private let face: FT_Face
    private var pixelSize = 0

    init(path: String) throws(FontError) {
        var lib: FT_Library?
        let e1 = FT_Init_FreeType(&lib)
        guard e1 == 0, let lib else { throw FontError(path: path, code: e1) }
        var f: FT_Face?
        let e2 = FT_New_Face(lib, path, 0, &f)
        guard e2 == 0, let f else {
            FT_Done_FreeType(lib)
            throw FontError(path: path, code: e2)
        }
        self.path = path
        self.library = lib
        self.face = f
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    /// The font's glyph index for `scalar`; 0 is `.notdef`, the empty box.
    func glyphIndex(_ scalar: Unicode.Scalar) -> UInt32 {
        FT_Get_Char_Index(face, FT_ULong(scalar.value))
    }

    /// Ascender and line height in dots at an em of `px` dots.
    func metrics(px: Int) -> (ascender: Int, height: Int) {
        setSize(px)
        let m = face.pointee.size.pointee.metrics
        return (Int((m.ascender + 32) >> 6), Int((m.height + 32) >> 6))
    }

    /// Renders `scalar` at an em of `px` dots with the monochrome hinter and rasteriser: each
    /// dot is on or off by FreeType's own coverage test with dropout control — a hard
    /// threshold, no dithering. Nil when the font has no glyph for it.
    func render(_ scalar: Unicode.Scalar, px: Int) -> Glyph? {
        let index = glyphIndex(scalar)
        guard index != 0 else { return nil }
        setSize(px)
        guard FT_Load_Glyph(face, index, FT_Int32(FT_LOAD_RENDER) | CFT_LOAD_TARGET_MONO) == 0 else { return nil }
        let slot = face.pointee.glyph!
        let bitmap = slot.pointee.bitmap
        let width = Int(bitmap.width), rows = Int(bitmap.rows)
        let pitch = (width + 7) / 8
        var bits = [UInt8](repeating: 0, count: pitch * rows)
        if width > 0, rows > 0, let buffer = bitmap.buffer {
            let srcPitch = Int(bitmap.pitch)
            let spare = pitch * 8 - width
            let lastMask: UInt8 = spare == 0 ? 0xFF : 0xFF << UInt8(spare)
            for r in 0..<rows {
                // A negative pitch means bottom-up rows (FreeType's flow flag).
                let src = srcPitch >= 0 ? buffer + r * srcPitch : buffer + (rows - 1 - r) * (-srcPitch)
                for b in 0..<pitch { bits[r * pitch + b] = src[b] }
                bits[r * pitch + pitch - 1] &= lastMask
            }
        }
        return Glyph(width: width, rows: rows, pitch: pitch, left: Int(slot.pointee.bitmap_left),
                     top: Int(slot.pointee.bitmap_top), advance: Int((slot.pointee.advance.x + 32) >> 6),
                     bits: bits)
    }

    private func setSize(_ px: Int) {
        guard px != pixelSize else { return }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(px))
        pixelSize = px
    }
}

/// The glyphs of one face at one size, cached as they are first used. Latin and Vietnamese
/// (below U+2000) are looked up by index; anything else through a dictionary.
final class GlyphStrike {
    let face: Typeface
    let px: Int
    let ascender: Int
    let lineHeight: Int
    private var direct = [Glyph?](repeating: nil, count: 0x2000)
    private var known = [Bool](repeating: false, count: 0x2000)
    private var others: [UInt32: Glyph?] = [:]

    init(face: Typeface, px: Int) {
        self.face = face
        self.px = px
        let m = face.metrics(px: px)
        self.ascender = m.ascender
        self.lineHeight = m.height
    }

    /// The glyph for `scalar`, or nil when the font lacks it.
    @inline(__always)
    func glyph(_ scalar: Unicode.Scalar) -> Glyph? {
        let v = Int(scalar.value)
        if v < 0x2000 {
            if known[v] { return direct[v] }
            let g = face.render(scalar, px: px)
            direct[v] = g
            known[v] = true
            return g
        }
        if let g = others[scalar.value] { return g }
        let g = face.render(scalar, px: px)
        others[scalar.value] = g
        return g
    }
}

/// Regular and bold faces with their strikes; owned by one renderer, not shared across threads.
final class FontSet {
    let fonts: LabelFonts
    let regular: Typeface
    let bold: Typeface
    private var strikes: [Int: GlyphStrike] = [:]

    init(_ fonts: LabelFonts) throws(FontError) {
        self.fonts = fonts
        self.regular = try Typeface(path: fonts.regularPath)
        self.bold = fonts.boldPath == fonts.regularPath ? regular : try Typeface(path: fonts.boldPath)
    }

    func strike(bold isBold: Bool, px: Int) -> GlyphStrike {
        let key = px << 1 | (isBold ? 1 : 0)
        if let s = strikes[key] { return s }
        let s = GlyphStrike(face: isBold ? bold : regular, px: px)
        strikes[key] = s
        return s
    }
}
