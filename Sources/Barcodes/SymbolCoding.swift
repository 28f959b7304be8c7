/// JSON form of a symbol, as the isolated decoder writes it: the bytes in base64 (a stamp's code
/// may carry any byte, GS separators included), the text when it is UTF-8, corners as [x, y].
extension DecodedSymbol: Codable {
    private enum CodingKeys: String, CodingKey { case symbology, text, bytes, quality, points }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let encoded = try c.decode(String.self, forKey: .bytes)
        guard let bytes = Base64.decode(encoded) else {
            throw DecodingError.dataCorruptedError(forKey: .bytes, in: c, debugDescription: "bytes are not base64")
        }
        let points = try c.decode([[Int]].self, forKey: .points)
        guard points.allSatisfy({ $0.count == 2 }) else {
            throw DecodingError.dataCorruptedError(forKey: .points, in: c, debugDescription: "a point is not [x, y]")
        }
        self.init(symbology: try c.decode(Symbology.self, forKey: .symbology), bytes: bytes,
                  quality: try c.decode(Int.self, forKey: .quality), points: points.map { ($0[0], $0[1]) })
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbology, forKey: .symbology)
        try c.encodeIfPresent(text, forKey: .text)
        try c.encode(Base64.encode(bytes), forKey: .bytes)
        try c.encode(quality, forKey: .quality)
        try c.encode(points.map { [$0.x, $0.y] }, forKey: .points)
    }
}

/// RFC 4648 base64 with padding (Barcodes does not depend on Foundation).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = UInt32(bytes[i]), b1 = n > 1 ? UInt32(bytes[i + 1]) : 0, b2 = n > 2 ? UInt32(bytes[i + 2]) : 0
            let v = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var table = [Int](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = i }
        let chars = Array(text.utf8)
        guard chars.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        var i = 0
        while i < chars.count {
            var v = 0, pad = 0
            for k in 0..<4 {
                let c = chars[i + k]
                if c == UInt8(ascii: "=") && k >= 2 && i + 4 == chars.count { pad += 1; v <<= 6; continue }
                guard pad == 0, table[Int(c)] >= 0 else { return nil }
                v = v << 6 | table[Int(c)]
            }
            out.append(UInt8(v >> 16 & 255))
            if pad < 2 { out.append(UInt8(v >> 8 & 255)) }
            if pad < 1 { out.append(UInt8(v & 255)) }
            i += 4
        }
        return out
    }
}
