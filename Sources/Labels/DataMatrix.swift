/// A square Data Matrix ECC 200 symbol (ISO/IEC 16022), as used for GS1 DataMatrix on cartons.
///
/// Encoded in ASCII encodation (digit pairs in one codeword, FNC1 as codeword 232, bytes above
/// 127 with Upper Shift), which is what GS1 element strings need. The symbol size is chosen by
/// the layout from the longest expected content and then held fixed, so every carton label of
/// a template has the same symbol.
public struct DataMatrixSymbol: Sendable, Equatable {
    /// Modules per side, including the finder and clock patterns.
    public let size: Int
    /// Row-major, `true` = dark.
    public let modules: [Bool]

    /// Whether the module at column `x`, row `y` is dark.
    public func isDark(x: Int, y: Int) -> Bool { modules[y * size + x] }

    /// One square symbol size of ISO/IEC 16022 Table 7.
    public struct SizeInfo: Sendable, Equatable {
        /// Modules per side.
        public let size: Int
        /// Data regions per side (1, 2, 4 or 6).
        let regions: Int
        /// Data capacity in codewords.
        public let dataCodewords: Int
        let errorCodewords: Int
        /// Interleaved Reed-Solomon blocks.
        let blocks: Int
        var regionSize: Int { (size - 2 * regions) / regions }
    }

    /// Square sizes 10×10 … 132×132 (144×144, with its uneven blocks, is not offered: a label
    /// that needs 1,558 codewords should not be a label).
    public static let sizes: [SizeInfo] = [
        .init(size: 10, regions: 1, dataCodewords: 3, errorCodewords: 5, blocks: 1),
        .init(size: 12, regions: 1, dataCodewords: 5, errorCodewords: 7, blocks: 1),
        .init(size: 14, regions: 1, dataCodewords: 8, errorCodewords: 10, blocks: 1),
        .init(size: 16, regions: 1, dataCodewords: 12, errorCodewords: 12, blocks: 1),
        .init(size: 18, regions: 1, dataCodewords: 18, errorCodewords: 14, blocks: 1),
        .init(size: 20, regions: 1, dataCodewords: 22, errorCodewords: 18, blocks: 1),
        .init(size: 22, regions: 1, dataCodewords: 30, errorCodewords: 20, blocks: 1),
        .init(size: 24, regions: 1, dataCodewords: 36, errorCodewords: 24, blocks: 1),
        .init(size: 26, regions: 1, dataCodewords: 44, errorCodewords: 28, blocks: 1),
        .init(size: 32, regions: 2, dataCodewords: 62, errorCodewords: 36, blocks: 1),
        .init(size: 36, regions: 2, dataCodewords: 86, errorCodewords: 42, blocks: 1),
        .init(size: 40, regions: 2, dataCodewords: 114, errorCodewords: 48, blocks: 1),
        .init(size: 44, regions: 2, dataCodewords: 144, errorCodewords: 56, blocks: 1),
        .init(size: 48, regions: 2, dataCodewords: 174, errorCodewords: 68, blocks: 1),
        .init(size: 52, regions: 2, dataCodewords: 204, errorCodewords: 84, blocks: 2),
        .init(size: 64, regions: 4, dataCodewords: 280, errorCodewords: 112, blocks: 2),
        .init(size: 72, regions: 4, dataCodewords: 368, errorCodewords: 144, blocks: 4),
        .init(size: 80, regions: 4, dataCodewords: 456, errorCodewords: 192, blocks: 4),
        .init(size: 88, regions: 4, dataCodewords: 576, errorCodewords: 224, blocks: 4),
        .init(size: 96, regions: 4, dataCodewords: 696, errorCodewords: 272, blocks: 4),
        .init(size: 104, regions: 4, dataCodewords: 816, errorCodewords: 336, blocks: 6),
        .init(size: 120, regions: 6, dataCodewords: 1050, errorCodewords: 408, blocks: 6),
        .init(size: 132, regions: 6, dataCodewords: 1304, errorCodewords: 496, blocks: 8),
    ]

    /// The smallest size with at least `codewords` data codewords.
    public static func smallestSize(forCodewords codewords: Int) -> SizeInfo? {
        sizes.first { $0.dataCodewords >= codewords }
    }

    /// ASCII-encodation codewords for `bytes` (ISO/IEC 16022 §5.2.3): digit pairs → 130+n,
    /// ASCII → value+1, bytes over 127 → Upper Shift (235) then value−127. In GS1 mode the
    /// symbol starts with FNC1 (232) and each GS (0x1D) becomes FNC1.
    public static func asciiCodewords(_ bytes: [UInt8], gs1: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 1)
        if gs1 { out.append(232) }
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b >= 48, b <= 57, i + 1 < bytes.count, bytes[i + 1] >= 48, bytes[i + 1] <= 57 {
                out.append(130 + (b - 48) * 10 + (bytes[i + 1] - 48))
                i += 2
                continue
            }
            if gs1, b == 0x1D {
                out.append(232)
            } else if b < 128 {
                out.append(b + 1)
            } else {
                out.append(235)
                out.append(b - 127)
            }
            i += 1
        }
        return out
    }

    /// Encodes `bytes` into a symbol of exactly `size` modules per side (nil = the smallest that
    /// fits). Throws when the content needs more codewords than the size holds.
    public init(bytes: [UInt8], gs1: Bool, size: Int? = nil) throws(DataMatrixError) {
        var data = DataMatrixSymbol.asciiCodewords(bytes, gs1: gs1)
        let info: SizeInfo
        if let size {
            guard let i = DataMatrixSymbol.sizes.first(where: { $0.size == size }) else {
                throw DataMatrixError.unsupportedSize(size)
            }
            info = i
        } else {
            guard let i = DataMatrixSymbol.smallestSize(forCodewords: data.count) else {
                throw DataMatrixError.tooLong(codewords: data.count, capacity: DataMatrixSymbol.sizes.last!.dataCodewords)
            }
            info = i
        }
        guard data.count <= info.dataCodewords else {
            throw DataMatrixError.tooLong(codewords: data.count, capacity: info.dataCodewords)
        }
        DataMatrixSymbol.pad(&data, to: info.dataCodewords)
        let all = DataMatrixSymbol.addErrorCorrection(data, info: info)
        self.size = info.size
        self.modules = DataMatrixSymbol.place(all, info: info)
    }

    /// Pads with 129 then the 253-state randomised pad (ISO/IEC 16022 §5.2.3).
    static func pad(_ data: inout [UInt8], to capacity: Int) {
        if data.count < capacity { data.append(129) }
        while data.count < capacity {
            let position = data.count + 1
            var v = 129 + ((149 * position) % 253) + 1
            if v > 254 { v -= 254 }
            data.append(UInt8(v))
        }
    }

    /// Appends Reed-Solomon codewords, interleaving data and check codewords across blocks.
    static func addErrorCorrection(_ data: [UInt8], info: SizeInfo) -> [UInt8] {
        let blocks = info.blocks
        let ecPerBlock = info.errorCodewords / blocks
        var out = data + [UInt8](repeating: 0, count: info.errorCodewords)
        let generator = GF256.generator(degree: ecPerBlock)
        for b in 0..<blocks {
            var blockData: [UInt8] = []
            var i = b
            while i < data.count { blockData.append(data[i]); i += blocks }
            let ec = GF256.remainder(blockData, generator: generator)
            for (j, v) in ec.enumerated() { out[data.count + j * blocks + b] = v }
        }
        return out
    }

    /// Places the codewords with the ISO/IEC 16022 Annex F algorithm and adds finder patterns.
    static func place(_ codewords: [UInt8], info: SizeInfo) -> [Bool] {
        let d = info.regionSize
        let nrow = info.regions * d, ncol = nrow
        // Each mapping-matrix cell: -1 unset, 0/1 fixed light/dark, else (codeword << 3 | bit) + 2.
        var grid = [Int32](repeating: -1, count: nrow * ncol)

        func module(_ r: Int, _ c: Int, _ chr: Int, _ bit: Int) {
            var row = r, col = c
            if row < 0 { row += nrow; col += 4 - ((nrow + 4) % 8) }
            if col < 0 { col += ncol; row += 4 - ((ncol + 4) % 8) }
            grid[row * ncol + col] = Int32((chr << 3) | bit) + 2
        }
        func utah(_ r: Int, _ c: Int, _ chr: Int) {
            module(r - 2, c - 2, chr, 0); module(r - 2, c - 1, chr, 1)
            module(r - 1, c - 2, chr, 2); module(r - 1, c - 1, chr, 3); module(r - 1, c, chr, 4)
            module(r, c - 2, chr, 5); module(r, c - 1, chr, 6); module(r, c, chr, 7)
        }
        func corner1(_ chr: Int) {
            module(nrow - 1, 0, chr, 0); module(nrow - 1, 1, chr, 1); module(nrow - 1, 2, chr, 2)
            module(0, ncol - 2, chr, 3); module(0, ncol - 1, chr, 4); module(1, ncol - 1, chr, 5)
            module(2, ncol - 1, chr, 6); module(3, ncol - 1, chr, 7)
        }
        func corner2(_ chr: Int) {
            module(nrow - 3, 0, chr, 0); module(nrow - 2, 0, chr, 1); module(nrow - 1, 0, chr, 2)
            module(0, ncol - 4, chr, 3); module(0, ncol - 3, chr, 4); module(0, ncol - 2, chr, 5)
            module(0, ncol - 1, chr, 6); module(1, ncol - 1, chr, 7)
        }
        func corner3(_ chr: Int) {
            module(nrow - 3, 0, chr, 0); module(nrow - 2, 0, chr, 1); module(nrow - 1, 0, chr, 2)
            module(0, ncol - 2, chr, 3); module(0, ncol - 1, chr, 4); module(1, ncol - 1, chr, 5)
            module(2, ncol - 1, chr, 6); module(3, ncol - 1, chr, 7)
        }
        func corner4(_ chr: Int) {
            module(nrow - 1, 0, chr, 0); module(nrow - 1, ncol - 1, chr, 1); module(0, ncol - 3, chr, 2)
            module(0, ncol - 2, chr, 3); module(0, ncol - 1, chr, 4); module(1, ncol - 3, chr, 5)
            module(1, ncol - 2, chr, 6); module(1, ncol - 1, chr, 7)
        }

        var chr = 0, row = 4, col = 0
        repeat {
            if row == nrow && col == 0 { corner1(chr); chr += 1 }
            if row == nrow - 2 && col == 0 && ncol % 4 != 0 { corner2(chr); chr += 1 }
            if row == nrow - 2 && col == 0 && ncol % 8 == 4 { corner3(chr); chr += 1 }
            if row == nrow + 4 && col == 2 && ncol % 8 == 0 { corner4(chr); chr += 1 }
            repeat {
                if row < nrow && col >= 0 && grid[row * ncol + col] == -1 { utah(row, col, chr); chr += 1 }
                row -= 2; col += 2
            } while row >= 0 && col < ncol
            row += 1; col += 3
            repeat {
                if row >= 0 && col < ncol && grid[row * ncol + col] == -1 { utah(row, col, chr); chr += 1 }
                row += 2; col -= 2
            } while row < nrow && col >= 0
            row += 3; col += 1
        } while row < nrow || col < ncol
        if grid[nrow * ncol - 1] == -1 {
            grid[nrow * ncol - 1] = 1
            grid[nrow * ncol - ncol - 2] = 1
        }

        let size = info.size
        var out = [Bool](repeating: false, count: size * size)
        let block = d + 2
        for y in 0..<size {
            for x in 0..<size {
                let ly = y % block, lx = x % block
                let dark: Bool
                if lx == 0 || ly == block - 1 {
                    dark = true                                 // solid L: left column, bottom row
                } else if ly == 0 {
                    dark = lx % 2 == 0                          // clock track along the top
                } else if lx == block - 1 {
                    dark = ly % 2 == 1                          // clock track down the right
                } else {
                    let r = (y / block) * d + ly - 1
                    let c = (x / block) * d + lx - 1
                    let v = Int(grid[r * ncol + c])
                    if v < 2 {
                        dark = v == 1
                    } else {
                        let code = v - 2
                        dark = codewords[code >> 3] & (0x80 >> UInt8(code & 7)) != 0
                    }
                }
                out[y * size + x] = dark
            }
        }
        return out
    }
}

/// Why a Data Matrix could not be encoded.
public enum DataMatrixError: Error, Sendable, Equatable, CustomStringConvertible {
    case tooLong(codewords: Int, capacity: Int)
    case unsupportedSize(Int)

    /// What went wrong and what to change.
    public var description: String {
        switch self {
        case .tooLong(let n, let cap):
            return "the content needs \(n) Data Matrix codewords but the symbol holds \(cap); shorten it or allow a bigger symbol"
        case .unsupportedSize(let s):
            return "\(s)×\(s) is not a square ECC 200 size this encoder offers (10…132)"
        }
    }
}

/// Arithmetic in GF(256) with the Data Matrix field polynomial x⁸+x⁵+x³+x²+1 (301).
enum GF256 {
    static let tables: (exp: [UInt8], log: [Int]) = {
        var exp = [UInt8](repeating: 0, count: 512)
        var log = [Int](repeating: 0, count: 256)
        var x = 1
        for i in 0..<255 {
            exp[i] = UInt8(x)
            log[x] = i
            x <<= 1
            if x & 0x100 != 0 { x ^= 301 }
        }
        for i in 255..<512 { exp[i] = exp[i - 255] }
        return (exp, log)
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return tables.exp[tables.log[Int(a)] + tables.log[Int(b)]]
    }

    /// Coefficients (highest degree first, leading 1 dropped) of ∏(x − 2^i), i = 1…degree.
    static func generator(degree: Int) -> [UInt8] {
        var g: [UInt8] = [1]
        for i in 1...degree {
            let root = tables.exp[i]
            var next = [UInt8](repeating: 0, count: g.count + 1)
            for (j, c) in g.enumerated() {
                next[j] ^= c
                next[j + 1] ^= multiply(c, root)
            }
            g = next
        }
        return Array(g.dropFirst())
    }

    /// The remainder of data·x^n divided by the generator: the check codewords.
    static func remainder(_ data: [UInt8], generator: [UInt8]) -> [UInt8] {
        var r = [UInt8](repeating: 0, count: generator.count)
        for d in data {
            let factor = d ^ r[0]
            r.removeFirst()
            r.append(0)
            if factor != 0 {
                for j in 0..<generator.count { r[j] ^= multiply(generator[j], factor) }
            }
        }
        return r
    }
}
