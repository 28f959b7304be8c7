/// A GS1-128 (Code 128 with FNC1) symbol as symbol characters and bar widths (ISO/IEC 15417).
///
/// The station computes the character sequence itself, choosing subsets B and C by the
/// ISO/IEC 15417 Annex E rules, so the raster bars, the ZPL `^BC` invocation codes and the
/// ESC/POS `GS k` data all describe the same symbol.
public struct Code128Symbol: Sendable, Equatable {
    /// One symbol character of the data part (between the start and the check character).
    public enum Element: Sendable, Equatable {
        /// FNC1 (value 102): GS1 mode after the start, a field separator elsewhere.
        case fnc1
        /// Switch to subset C (value 99).
        case codeC
        /// Switch to subset B (value 100).
        case codeB
        /// A subset B character (ASCII 32–126).
        case b(UInt8)
        /// A subset C digit pair 00–99.
        case c(UInt8)

        var value: Int {
            switch self {
            case .fnc1: return 102
            case .codeC: return 99
            case .codeB: return 100
            case .b(let ascii): return Int(ascii) - 32
            case .c(let pair): return Int(pair)
            }
        }
    }

    /// Starts in subset C (value 105) or B (value 104).
    public let startsInC: Bool
    /// The data characters, starting with the GS1 FNC1.
    public let elements: [Element]

    /// Modulo-103 check character value.
    public var checkValue: Int {
        var sum = startsInC ? 105 : 104
        for (i, e) in elements.enumerated() { sum += (i + 1) * e.value }
        return sum % 103
    }

    /// Symbol character values including start, check and stop (106).
    public var values: [Int] {
        [startsInC ? 105 : 104] + elements.map(\.value) + [checkValue, 106]
    }

    /// Width of the symbol in modules, without quiet zones.
    public var moduleCount: Int { 11 * (elements.count + 2) + 13 }

    /// Bars and spaces as alternating widths in modules, starting with a bar.
    public var widths: [Int] {
        var out: [Int] = []
        out.reserveCapacity(6 * (elements.count + 3) + 1)
        for v in values {
            for w in Code128Symbol.patterns[v].utf8 { out.append(Int(w - 48)) }
        }
        return out
    }

    /// Encodes a GS1 element string: AIs concatenated, variable-length fields ended by GS
    /// (U+001D), which becomes FNC1. Only ASCII 32–126 and GS are allowed.
    public init(gs1 text: String) throws(Code128Error) {
        var symbols: [UInt8] = []  // 0x1D = FNC1
        for s in text.unicodeScalars {
            guard s.value == 0x1D || (32...126).contains(s.value) else {
                throw Code128Error.unencodable(s)
            }
            symbols.append(UInt8(s.value))
        }
        guard !symbols.isEmpty else { throw Code128Error.empty }
        self = Code128Symbol.plan(symbols)
    }

    init(startsInC: Bool, elements: [Element]) {
        self.startsInC = startsInC
        self.elements = elements
    }

    /// ISO/IEC 15417 Annex E: start in C for 4+ leading digits; in B, switch to C for a run of
    /// 4+ digits at the end or 6+ elsewhere (after one B digit when the run is odd); leave C
    /// when fewer than 2 digits follow. FNC1 is valid in either subset.
    private static func plan(_ data: [UInt8]) -> Code128Symbol {
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        func digitRun(from i: Int) -> Int {
            var j = i
            while j < data.count, isDigit(data[j]) { j += 1 }
            return j - i
        }
        let firstRun = digitRun(from: 0)
        var inC = firstRun >= 4 || (firstRun == 2 && data.count == 2)
        let startsInC = inC
        var out: [Element] = [.fnc1]
        var i = 0
        while i < data.count {
            let b = data[i]
            if b == 0x1D { out.append(.fnc1); i += 1; continue }
            if inC {
                if i + 1 < data.count, isDigit(b), isDigit(data[i + 1]) {
                    out.append(.c((b - 48) * 10 + (data[i + 1] - 48)))
                    i += 2
                } else {
                    out.append(.codeB); inC = false
                }
                continue
            }
            let run = digitRun(from: i)
            let atEnd = i + run == data.count
            if run >= 6 || (atEnd && run >= 4) {
                if run % 2 == 1 { out.append(.b(b)); i += 1 }
                out.append(.codeC); inC = true
                continue
            }
            out.append(.b(b))
            i += 1
        }
        return Code128Symbol(startsInC: startsInC, elements: out)
    }

    /// Bar/space widths of symbol characters 0–106 (ISO/IEC 15417 Table 1); 106 is the stop.
    static let patterns: [String] = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ]

    /// Worst-case width in modules (without quiet zones) of `length` characters of `charset`.
    static func worstCaseModules(length: Int, charset: BarcodeCharset) -> Int {
        let characters: Int
        switch charset {
        case .numeric: characters = 1 + length / 2 + (length % 2 == 1 ? 2 : 0)  // FNC1, pairs, Code B + digit for an odd tail
        case .alphanumeric: characters = 1 + length            // FNC1, one per character
        }
        return 11 * (characters + 2) + 13
    }
}

/// Why a GS1-128 could not be encoded.
public enum Code128Error: Error, Sendable, Equatable, CustomStringConvertible {
    case empty
    case unencodable(Unicode.Scalar)

    /// What went wrong and what to change.
    public var description: String {
        switch self {
        case .empty: return "the GS1-128 content is empty"
        case .unencodable(let s):
            return "U+\(String(s.value, radix: 16, uppercase: true)) cannot be carried by a GS1-128 "
                + "(only printable ASCII and GS separators)"
        }
    }
}
