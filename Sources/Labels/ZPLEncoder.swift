/// Options for ZPL jobs.
public struct ZPLOptions: Sendable, Equatable {
    /// The font native text fields use.
    public enum TextFont: Sendable, Equatable {
        /// Resident font 0 (`^A0`, CG Triumvirate Bold Condensed). Its glyphs cover Latin-1
        /// but not Vietnamese: print Vietnamese in raster mode or with a downloaded font.
        case resident0
        /// A TrueType font stored on the printer (`^A@` with its path, such as
        /// `E:DEJAVU.TTF`), which must contain the glyphs the labels print.
        case downloaded(path: String)
    }

    /// The font native text uses.
    public var textFont: TextFont
    /// Sends native text without diacritics (see ``VietnameseTransliteration``), for printers
    /// whose fonts lack Vietnamese: a readable `Mien dong` beats boxes or dropped letters.
    public var asciiText: Bool
    /// How raster jobs encode the graphic field.
    public var graphicEncoding: GraphicEncoding
    /// Copies of each label (`^PQ`).
    public var copies: Int

    /// Encodings of `^GFA` data.
    public enum GraphicEncoding: Sendable, Equatable {
        /// Hexadecimal with ZPL ASCII compression: understood by every ZPL printer and emulation.
        case asciiCompressed
        /// `:Z64:` — zlib, Base64 and a CRC-16: about a third of the size for text-heavy labels,
        /// for Zebra firmware V60.13 / X.10 and later.
        case z64
    }

    /// Defaults: resident font 0, UTF-8 text, ASCII-compressed raster, one copy.
    public init(textFont: TextFont = .resident0, asciiText: Bool = false,
                graphicEncoding: GraphicEncoding = .asciiCompressed, copies: Int = 1) {
        precondition(copies >= 1, "at least one copy")
        self.textFont = textFont
        self.asciiText = asciiText
        self.graphicEncoding = graphicEncoding
        self.copies = copies
    }
}

/// Writes labels as ZPL II. Pure functions: same label in, same bytes out.
///
/// *Native* jobs let the printer draw (`^BQ` QR, `^BX` Data Matrix, `^BC` GS1-128, `^A` text,
/// `^GB` rules), a few hundred bytes per label. *Raster* jobs send the exact bitmap the
/// preview shows as one `^GFA` field in ZPL ASCII compression, which is how Vietnamese text
/// reaches printers without a Vietnamese font.
public enum ZPLEncoder {
    /// A native ZPL label: `^XA ^CI28 ^PW ^LL`, one field per element, `^XZ`.
    ///
    /// Text goes through `^FH` hex escapes (`_hh` of its UTF-8 bytes) for anything outside
    /// printable ASCII and for `^`, `~` and `_`, so no byte is misread on the way; lines are
    /// set with `^FB` so the printer aligns them. Barcode data carry the same content as the
    /// raster rendering; the printer chooses the QR version itself, from the top-left corner
    /// of the symbol's box.
    public static func native(_ label: ComposedLabel, options: ZPLOptions = .init()) -> [UInt8] {
        var z = ZPLWriter()
        z.reserve(512)
        z.raw("^XA\n^CI28\n^PW"); z.int(label.widthDots)
        z.raw("\n^LL"); z.int(label.heightDots)
        z.raw("\n^LH0,0\n")
        for item in label.items {
            switch item {
            case .qr(let q):
                z.origin(q.x, q.y)
                z.raw("^BQN,2,"); z.int(q.moduleDots)
                let (hex, bytes) = fieldHexBytes(q.content)
                z.raw(hex ? "^FH^FD" : "^FD")
                z.raw(q.level.rawValue); z.raw("A,")
                z.bytes(bytes)
                z.raw("^FS\n")
            case .dataMatrix(let d):
                z.origin(d.x, d.y)
                // Sizes above 49 cannot be forced (the printer picks the size itself then).
                let forced = d.symbolSize <= 49 ? d.symbolSize : 0
                z.raw("^BXN,"); z.int(d.moduleDots); z.raw(",200,"); z.int(forced); z.raw(","); z.int(forced)
                z.raw(",,#")
                var data: [UInt8] = []
                if d.gs1 { data += Array("#1".utf8) }
                for b in d.content.utf8 {
                    if d.gs1 && b == 0x1D { data += Array("#1".utf8) } else if b == UInt8(ascii: "#") { data += [b, b] } else { data.append(b) }
                }
                let (hex, bytes) = fieldHexBytes(data)
                z.raw(hex ? "^FH^FD" : "^FD")
                z.bytes(bytes)
                z.raw("^FS\n")
            case .gs1_128(let g) where g.moduleDots > 10:
                // ^BY takes modules of 1–10 dots; wider bars (GS1 logistics X at 600 dpi) go as
                // one graphic row repeated down, so the symbol stays exactly the raster one.
                var row = LabelBitmap(width: g.symbol.moduleCount * g.moduleDots, height: 1)
                var x = 0, bar = true
                for w in g.symbol.widths {
                    if bar { row.fill(x: x, y: 0, width: w * g.moduleDots, height: 1) }
                    x += w * g.moduleDots
                    bar.toggle()
                }
                var bars = LabelBitmap(width: row.width, height: g.height)
                bars.orRow(row.bits, y: 0, count: g.height)
                z.origin(g.x, g.y)
                let total = bars.bytesPerRow * bars.height
                z.raw("^GFA,"); z.int(total); z.raw(","); z.int(total); z.raw(","); z.int(bars.bytesPerRow); z.raw(",")
                z.bytes(ZPLGraphicCompression.compress(bars))
                z.raw("^FS\n")
            case .gs1_128(let g):
                z.origin(g.x, g.y)
                z.raw("^BY"); z.int(g.moduleDots); z.raw(",3,"); z.int(g.height)
                z.raw("^BCN,"); z.int(g.height); z.raw(",N,N,N,N^FD")
                z.bytes(code128FieldData(g.symbol))
                z.raw("^FS\n")
            case .text(let t):
                guard !t.lines.isEmpty else { continue }
                z.origin(t.x, t.y)
                switch options.textFont {
                case .resident0:
                    z.raw("^A0N,"); z.int(t.emDots); z.raw(","); z.int(t.emDots)
                case .downloaded(let path):
                    z.raw("^A@N,"); z.int(t.emDots); z.raw(","); z.int(t.emDots); z.raw(","); z.raw(path)
                }
                z.raw("^FB"); z.int(t.boxWidth); z.raw(","); z.int(t.lines.count)
                z.raw(",0,")
                z.raw(t.alignment == .left ? "L" : t.alignment == .center ? "C" : "R")
                z.raw(",0")
                var data: [UInt8] = []
                for (i, line) in t.lines.enumerated() {
                    if i > 0 { data += Array("\\&".utf8) }
                    for b in (options.asciiText ? VietnameseTransliteration.ascii(line) : line).utf8 {
                        // `\` is ^FB's own escape: a literal backslash is written `\\`.
                        if b == UInt8(ascii: "\\") { data += [b, b] } else { data.append(b) }
                    }
                }
                let (hex, bytes) = fieldHexBytes(data)
                z.raw(hex ? "^FH^FD" : "^FD")
                z.bytes(bytes)
                z.raw("^FS\n")
            case .line(let r, _):
                z.origin(r.x, r.y)
                z.raw("^GB"); z.int(r.width); z.raw(","); z.int(r.height); z.raw(","); z.int(min(r.width, r.height))
                z.raw("^FS\n")
            case .box(let r, let thickness, _):
                z.origin(r.x, r.y)
                z.raw("^GB"); z.int(r.width); z.raw(","); z.int(r.height); z.raw(","); z.int(thickness)
                z.raw("^FS\n")
            }
        }
        if options.copies > 1 { z.raw("^PQ"); z.int(options.copies); z.raw("\n") }
        z.raw("^XZ\n")
        return z.out
    }

    /// A raster ZPL label: the bitmap as one `^GFA` graphic field at the label origin, in the
    /// options' graphic encoding; the printer prints exactly these dots.
    public static func raster(_ bitmap: LabelBitmap, options: ZPLOptions = .init()) -> [UInt8] {
        raster(width: bitmap.width, height: bitmap.height, fields: [GraphicField(bitmap, x: 0, y: 0, encoding: options.graphicEncoding)],
               options: options)
    }

    /// One `^GFA` graphic field, compressed, and where it goes.
    public struct GraphicField: Sendable, Equatable {
        /// Top-left corner in dots (`^FO`).
        public let x: Int, y: Int
        public let bytesPerRow: Int
        public let rows: Int
        /// The field data in the chosen encoding (`:Z64:…:CRC` or ASCII-compressed hex).
        public let data: [UInt8]

        /// `bitmap` compressed with `encoding`, to be placed at (`x`, `y`).
        public init(_ bitmap: LabelBitmap, x: Int, y: Int, encoding: ZPLOptions.GraphicEncoding) {
            self.x = x
            self.y = y
            bytesPerRow = bitmap.bytesPerRow
            rows = bitmap.height
            switch encoding {
            case .asciiCompressed: data = ZPLGraphicCompression.compress(bitmap)
            case .z64: data = ZPLGraphicCompression.z64(bitmap)
            }
        }
    }

    /// A raster ZPL label made of graphic fields: the printer burns every dark dot of every
    /// field, so fields that each carry the final dots of their area print the whole bitmap.
    public static func raster(width: Int, height: Int, fields: [GraphicField], options: ZPLOptions = .init()) -> [UInt8] {
        var z = ZPLWriter()
        z.reserve(fields.reduce(64) { $0 + $1.data.count + 48 })
        z.raw("^XA\n^PW"); z.int(width)
        z.raw("\n^LL"); z.int(height)
        z.raw("\n^LH0,0\n")
        for f in fields {
            z.raw("^FO"); z.int(f.x); z.raw(","); z.int(f.y); z.raw("^GFA,")
            let total = f.bytesPerRow * f.rows
            z.int(total); z.raw(","); z.int(total); z.raw(","); z.int(f.bytesPerRow); z.raw(",")
            z.bytes(f.data)
            z.raw("^FS\n")
        }
        if options.copies > 1 { z.raw("^PQ"); z.int(options.copies); z.raw("\n") }
        z.raw("^XZ\n")
        return z.out
    }

    /// `^FD` data for a GS1-128 from its planned symbol characters: `>;`/`>:` start C/B,
    /// `>8` FNC1, `>5`/`>6` Code C/Code B, and `>0`, `><`, `>=` for `>`, `^`, `~`
    /// (ZPL II Programming Guide, ^BC, Table "Code 128 Invocation Characters").
    public static func code128FieldData(_ symbol: Code128Symbol) -> [UInt8] {
        var out: [UInt8] = Array((symbol.startsInC ? ">;" : ">:").utf8)
        for e in symbol.elements {
            switch e {
            case .fnc1: out += [62, 56]          // >8
            case .codeC: out += [62, 53]         // >5
            case .codeB: out += [62, 54]         // >6
            case .c(let pair): out += [48 + pair / 10, 48 + pair % 10]
            case .b(let ascii):
                switch ascii {
                case UInt8(ascii: ">"): out += [62, 48]   // >0
                case UInt8(ascii: "^"): out += [62, 60]   // ><
                case UInt8(ascii: "~"): out += [62, 61]   // >=
                default: out.append(ascii)
                }
            }
        }
        return out
    }

    /// Field data with `^FH` hex escapes where needed: returns whether `^FH` is required and
    /// the bytes, with every byte outside 0x20–0x7E and every `^`, `~` and `_` as `_hh`.
    public static func fieldHexBytes(_ text: String) -> (needsFH: Bool, bytes: [UInt8]) {
        fieldHexBytes(Array(text.utf8))
    }

    static func fieldHexBytes(_ data: [UInt8]) -> (needsFH: Bool, bytes: [UInt8]) {
        func special(_ b: UInt8) -> Bool { b < 0x20 || b > 0x7E || b == 0x5E || b == 0x7E }
        guard data.contains(where: special) else { return (false, data) }
        let hex: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(data.count * 2)
        for b in data {
            if special(b) || b == 0x5F {
                out.append(0x5F)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0F)])
            } else {
                out.append(b)
            }
        }
        return (true, out)
    }
}

/// Appends ZPL text without going through `String` formatting.
struct ZPLWriter {
    var out: [UInt8] = []

    mutating func reserve(_ n: Int) { out.reserveCapacity(n) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    @inline(__always) mutating func raw(_ s: String) { out.append(contentsOf: s.utf8) }

    @inline(__always) mutating func bytes(_ b: [UInt8]) { out.append(contentsOf: b) }

    mutating func int(_ v: Int) {
        if v < 0 { out.append(UInt8(ascii: "-")); int(-v); return }
        if v < 10 { out.append(48 + UInt8(v)); return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var n = 0
        var x = v
        withUnsafeMutableBytes(of: &digits) { d in
            while x > 0 { d[n] = 48 + UInt8(x % 10); x /= 10; n += 1 }
            for i in stride(from: n - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }

    mutating func origin(_ x: Int, _ y: Int) {
        raw("^FO"); int(x); raw(","); int(y)
    }
}
