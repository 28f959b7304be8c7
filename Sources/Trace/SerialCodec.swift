/// How a product's serials look.
public enum SerialFormat: String, Sendable, Codable, CaseIterable {
    /// 10 characters of ``SerialAlphabet`` from a keyed permutation of a counter: unique and unguessable.
    case random
    /// A zero-padded decimal counter (8 digits, more if needed): for producers who want countable stamps.
    case sequential
}

/// Turns serial counters into serial strings and back, for one GTIN.
///
/// A serial is `prefix + body`. The counter is what is reserved durably; the body is derived from it,
/// so issuing a serial never needs to look at earlier ones, and any serial can be mapped back to
/// its counter to ask "was this ever issued?".
public struct SerialCodec: Sendable {
    public static let randomLength = 10
    public static let randomBits = 50            // 32^10 = 2^50 values
    public static let sequentialDigits = 8

    public let format: SerialFormat
    public let prefix: String
    private let permutation: SerialPermutation?

    public init(format: SerialFormat, prefix: String, key: [UInt8]) {
        self.format = format
        self.prefix = prefix
        permutation = format == .random ? SerialPermutation(bits: Self.randomBits, key: key) : nil
    }

    /// How many distinct serials this format can produce.
    public var capacity: UInt64 { format == .random ? 1 << UInt64(Self.randomBits) : 9_999_999_999_999 }

    public func serial(counter: UInt64) -> String {
        precondition(counter < capacity, "serial counter out of range")
        switch format {
        case .random:
            var v = permutation!.permute(counter)
            var body = [UInt8](repeating: 0, count: Self.randomLength)
            for i in stride(from: Self.randomLength - 1, through: 0, by: -1) {
                body[i] = SerialAlphabet.bytes[Int(v & 31)]
                v >>= 5
            }
            return prefix + String(decoding: body, as: UTF8.self)
        case .sequential:
            let digits = String(counter + 1)
            return prefix + String(repeating: "0", count: max(0, Self.sequentialDigits - digits.count)) + digits
        }
    }

    /// The counter a serial was made from, or nil if it cannot be one of ours (wrong prefix,
    /// wrong length, a character outside the alphabet).
    public func counter(of serial: String) -> UInt64? {
        guard serial.hasPrefix(prefix) else { return nil }
        let body = Array(serial.utf8.dropFirst(prefix.utf8.count))
        switch format {
        case .random:
            guard body.count == Self.randomLength else { return nil }
            var v: UInt64 = 0
            for b in body {
                guard let d = SerialAlphabet.value(ofByte: b) else { return nil }
                v = v << 5 | UInt64(d)
            }
            return permutation!.invert(v)
        case .sequential:
            guard body.count >= Self.sequentialDigits, body.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let n = UInt64(String(decoding: body, as: UTF8.self)), n >= 1 else { return nil }
            return n - 1
        }
    }
}
