/// GS1 check digit and check character algorithms.
///
/// Every numeric GS1 key (GTIN, GLN, SSCC, GSIN, GDTI, GRAI, GSRN, …) ends in one mod-10 check
/// digit (GS1 General Specifications §7.9.1); the Global Model Number (GMN, AI 8013) ends in a
/// pair of check characters (§7.9.5). These are the functions the key types and the AI table
/// share, so that a mis-keyed digit is caught wherever a key enters the station.
public enum CheckDigit {
    /// The mod-10 check digit for `payload` (all digits of the key except the check digit).
    ///
    /// Weights 3 and 1 alternate starting with 3 at the rightmost payload digit, so the same
    /// function serves every key length (§7.9.1). Returns `nil` if `payload` is empty or contains
    /// anything other than ASCII digits.
    public static func compute<S: StringProtocol>(for payload: S) -> Int? {
        guard !payload.isEmpty else { return nil }
        var sum = 0
        var weight = 3
        for scalar in payload.unicodeScalars.reversed() {
            guard let digit = asciiDigit(scalar) else { return nil }
            sum += digit * weight
            weight = weight == 3 ? 1 : 3
        }
        return (10 - sum % 10) % 10
    }

    /// Whether `digits` (a complete key including its final check digit) has a correct
    /// mod-10 check digit.
    public static func isValid<S: StringProtocol>(_ digits: S) -> Bool {
        guard digits.count >= 2, let last = digits.unicodeScalars.last, let check = asciiDigit(last) else {
            return false
        }
        return compute(for: digits.dropLast()) == check
    }

    /// The 32 characters used for GMN check character pairs, in value order (§7.9.5).
    static let checkCharacterSet: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")

    /// The check character pair for an alphanumeric key `payload` drawn from the 82-character
    /// set (GS1 General Specifications §7.9.5, used by GMN, AI 8013).
    ///
    /// Each character is valued by its position in the 82-character set, weighted by
    /// successive primes (2, 3, 5, …) from the right; the sum modulo 1021 is split into two
    /// 5-bit values, each written as a character of the 32-character set. Returns `nil` if
    /// `payload` has a character outside the 82-character set or is longer than the prime table.
    public static func checkCharacters<S: StringProtocol>(for payload: S) -> String? {
        let scalars = Array(payload.unicodeScalars)
        guard scalars.count <= primes.count else { return nil }
        var sum = 0
        for (offset, scalar) in scalars.reversed().enumerated() {
            guard let value = GS1CharacterSet.cset82Value(of: scalar) else { return nil }
            sum += value * primes[offset]
        }
        sum %= 1021
        return String([checkCharacterSet[sum >> 5], checkCharacterSet[sum & 31]])
    }

    /// Whether `key` (an alphanumeric key including its two final check characters) has a
    /// correct check character pair.
    public static func hasValidCheckCharacters<S: StringProtocol>(_ key: S) -> Bool {
        guard key.count >= 2, let expected = checkCharacters(for: key.dropLast(2)) else { return false }
        return String(key.suffix(2)) == expected
    }

    /// Primes used as weights by the check character pair algorithm; enough for the longest AI value.
    private static let primes: [Int] = {
        var result: [Int] = []
        var candidate = 2
        while result.count < 97 {
            if result.allSatisfy({ candidate % $0 != 0 }) { result.append(candidate) }
            candidate += 1
        }
        return result
    }()

    @inline(__always)
    static func asciiDigit(_ scalar: Unicode.Scalar) -> Int? {
        scalar.value >= 0x30 && scalar.value <= 0x39 ? Int(scalar.value - 0x30) : nil
    }
}
