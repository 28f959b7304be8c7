/// SipHash-2-4 (Aumasson & Bernstein, 2012): a fast keyed pseudo-random function for short inputs.
///
/// Used as the round function of the serial permutation (``SerialPermutation``), where it runs
/// millions of times per second; swift-crypto offers no PRF this cheap for 8-byte inputs
/// (HMAC-SHA256 is ~20× slower). Checked against the reference vectors of the paper.
struct SipHash24 {
    let k0: UInt64
    let k1: UInt64

    init(key: [UInt8]) {
        precondition(key.count == 16, "SipHash needs a 128-bit key")
        var a: UInt64 = 0, b: UInt64 = 0
        for i in 0..<8 { a |= UInt64(key[i]) << (8 * UInt64(i)); b |= UInt64(key[8 + i]) << (8 * UInt64(i)) }
        k0 = a
        k1 = b
    }

    @inline(__always)
    private static func round(_ v0: inout UInt64, _ v1: inout UInt64, _ v2: inout UInt64, _ v3: inout UInt64) {
        v0 &+= v1; v1 = v1.rotl(13); v1 ^= v0; v0 = v0.rotl(32)
        v2 &+= v3; v3 = v3.rotl(16); v3 ^= v2
        v0 &+= v3; v3 = v3.rotl(21); v3 ^= v0
        v2 &+= v1; v1 = v1.rotl(17); v1 ^= v2; v2 = v2.rotl(32)
    }

    /// The 64-bit MAC of `bytes`.
    func hash(_ bytes: [UInt8]) -> UInt64 {
        var v0: UInt64 = 0x736f6d6570736575 ^ k0
        var v1: UInt64 = 0x646f72616e646f6d ^ k1
        var v2: UInt64 = 0x6c7967656e657261 ^ k0
        var v3: UInt64 = 0x7465646279746573 ^ k1
        let n = bytes.count
        var i = 0
        while i + 8 <= n {
            var m: UInt64 = 0
            for j in 0..<8 { m |= UInt64(bytes[i + j]) << (8 * UInt64(j)) }
            v3 ^= m
            Self.round(&v0, &v1, &v2, &v3); Self.round(&v0, &v1, &v2, &v3)
            v0 ^= m
            i += 8
        }
        var last = UInt64(n & 0xff) << 56
        var j = 0
        while i + j < n { last |= UInt64(bytes[i + j]) << (8 * UInt64(j)); j += 1 }
        v3 ^= last
        Self.round(&v0, &v1, &v2, &v3); Self.round(&v0, &v1, &v2, &v3)
        v0 ^= last
        v2 ^= 0xff
        for _ in 0..<4 { Self.round(&v0, &v1, &v2, &v3) }
        return v0 ^ v1 ^ v2 ^ v3
    }

    /// The MAC of one 64-bit word (8 little-endian bytes), without allocating.
    @inline(__always)
    func hash(word m: UInt64) -> UInt64 {
        var v0: UInt64 = 0x736f6d6570736575 ^ k0
        var v1: UInt64 = 0x646f72616e646f6d ^ k1
        var v2: UInt64 = 0x6c7967656e657261 ^ k0
        var v3: UInt64 = 0x7465646279746573 ^ k1
        v3 ^= m
        Self.round(&v0, &v1, &v2, &v3); Self.round(&v0, &v1, &v2, &v3)
        v0 ^= m
        let last: UInt64 = 8 << 56
        v3 ^= last
        Self.round(&v0, &v1, &v2, &v3); Self.round(&v0, &v1, &v2, &v3)
        v0 ^= last
        v2 ^= 0xff
        for _ in 0..<4 { Self.round(&v0, &v1, &v2, &v3) }
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    @inline(__always) func rotl(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}

/// A keyed permutation of the integers 0 ..< 2^bits (a balanced Feistel network, 8 rounds,
/// SipHash-2-4 as round function): format-preserving encryption of a counter.
///
/// Counter values are unique by construction, so their images are too: random-looking serials
/// that can never repeat, with no lookup of earlier serials. Without the key the next serial
/// cannot be predicted from the ones seen.
struct SerialPermutation {
    let bits: Int
    private let half: Int
    private let mask: UInt64
    private let prf: SipHash24
    static let rounds: UInt64 = 8

    init(bits: Int, key: [UInt8]) {
        precondition(bits >= 2 && bits <= 62 && bits % 2 == 0, "the domain must be an even number of bits")
        self.bits = bits
        half = bits / 2
        mask = (1 << UInt64(bits / 2)) - 1
        prf = SipHash24(key: key)
    }

    @inline(__always)
    func permute(_ x: UInt64) -> UInt64 {
        precondition(x < (1 << UInt64(bits)))
        var left = x >> UInt64(half), right = x & mask
        for r in 0..<Self.rounds {
            let f = prf.hash(word: (r << 56) | right) & mask
            (left, right) = (right, left ^ f)
        }
        return (left << UInt64(half)) | right
    }

    func invert(_ y: UInt64) -> UInt64 {
        var left = y >> UInt64(half), right = y & mask
        for r in (0..<Self.rounds).reversed() {
            let f = prf.hash(word: (r << 56) | left) & mask
            (left, right) = (right ^ f, left)
        }
        return (left << UInt64(half)) | right
    }
}
