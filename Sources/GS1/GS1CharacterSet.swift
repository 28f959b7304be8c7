/// The character sets GS1 Application Identifier values are drawn from.
///
/// Barcode encoders and resolvers only guarantee these sets, so a value with a character outside
/// its set (a space, `#`, `@`, a Vietnamese letter with diacritics) must be rejected before it is
/// printed, not discovered when a partner's scanner fails on it.
public enum GS1CharacterSet: Sendable, Hashable, CustomStringConvertible {
    /// Digits 0–9 ("N" in the AI table).
    case numeric
    /// The GS1 AI encodable character set 82 ("X"; §7.11, figure 7.11-1):
    /// `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`.
    case cset82
    /// The GS1 AI encodable character set 39 ("Y"; §7.11, figure 7.11-2): `#-/0-9A-Z`.
    case cset39
    /// The file-safe base64 set of §7.11 figure 7.11-3 ("Z"): `-0-9A-Z_a-z`, plus `=` as trailing padding.
    case cset64

    /// Whether `scalar` belongs to the set (`=` padding of ``cset64`` is checked by position elsewhere).
    public func contains(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        switch self {
        case .numeric:
            return v >= 0x30 && v <= 0x39
        case .cset82:
            return GS1CharacterSet.cset82Value(of: scalar) != nil
        case .cset39:
            return v == 0x23 || v == 0x2D || v == 0x2F || (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A)
        case .cset64:
            return v == 0x2D || v == 0x5F || v == 0x3D || (v >= 0x30 && v <= 0x39)
                || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A)
        }
    }

    /// The letter used for the set in AI format notation: N, X, Y or Z.
    public var description: String {
        switch self {
        case .numeric: return "N"
        case .cset82: return "X"
        case .cset39: return "Y"
        case .cset64: return "Z"
        }
    }

    /// The 82 characters of figure 7.11-1 in their table order, which is also their value in the
    /// check character pair algorithm.
    static let cset82Characters: [Unicode.Scalar] = Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".unicodeScalars)

    private static let cset82Table: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (index, scalar) in cset82Characters.enumerated() {
            table[Int(scalar.value)] = Int8(index)
        }
        return table
    }()

    /// The 0-based position of `scalar` in character set 82, or `nil` if it is not in the set.
    static func cset82Value(of scalar: Unicode.Scalar) -> Int? {
        guard scalar.value < 128 else { return nil }
        let value = cset82Table[Int(scalar.value)]
        return value < 0 ? nil : Int(value)
    }
}
