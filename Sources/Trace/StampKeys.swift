import Crypto
import Foundation

/// The province's stamp secrets: one fixed serial secret (makes random serials unpredictable)
/// and a ring of rotating tag keys (make stamps unforgeable). Stored as JSON with mode 0600;
/// secrets never appear in logs or in `description`.
public struct StampKeyRing: Sendable, Equatable, CustomStringConvertible {
    public struct TagKey: Sendable, Equatable, Codable {
        public enum Status: String, Sendable, Codable { case active, retired, revoked }
        /// One character of the serial alphabet; printed as the first character of every tag.
        public let id: Character
        let secret: [UInt8]
        public let created: String
        public var status: Status

        enum CodingKeys: String, CodingKey { case id, secret, created, status }
        public init(from d: Decoder) throws {
            let c = try d.container(keyedBy: CodingKeys.self)
            let idText = try c.decode(String.self, forKey: .id)
            guard idText.count == 1, let ch = idText.first, SerialAlphabet.value(of: ch) != nil else {
                throw DecodingError.dataCorruptedError(forKey: .id, in: c, debugDescription: "key id must be one character of \(String(SerialAlphabet.characters))")
            }
            id = ch
            guard let s = Data(base64Encoded: try c.decode(String.self, forKey: .secret)), s.count == 32 else {
                throw DecodingError.dataCorruptedError(forKey: .secret, in: c, debugDescription: "secret must be 32 bytes in base64")
            }
            secret = Array(s)
            created = try c.decode(String.self, forKey: .created)
            status = try c.decode(Status.self, forKey: .status)
        }
        public func encode(to e: Encoder) throws {
            var c = e.container(keyedBy: CodingKeys.self)
            try c.encode(String(id), forKey: .id)
            try c.encode(Data(secret).base64EncodedString(), forKey: .secret)
            try c.encode(created, forKey: .created)
            try c.encode(status, forKey: .status)
        }
        init(id: Character, secret: [UInt8], created: String, status: Status) {
            self.id = id; self.secret = secret; self.created = created; self.status = status
        }
    }

    let serialSecret: [UInt8]
    public private(set) var tagKeys: [TagKey]

    public var activeKey: TagKey? { tagKeys.last { $0.status == .active } }

    public var description: String {
        "StampKeyRing(tag keys: " + tagKeys.map { "\($0.id)=\($0.status.rawValue)" }.joined(separator: ", ") + ")"
    }

    /// A new ring with fresh random secrets and one active tag key "A".
    public static func generate(now: Date = Date()) -> StampKeyRing {
        StampKeyRing(serialSecret: randomBytes(32),
                     tagKeys: [TagKey(id: "A", secret: randomBytes(32), created: ISO8601DateFormatter().string(from: now), status: .active)])
    }

    init(serialSecret: [UInt8], tagKeys: [TagKey]) {
        self.serialSecret = serialSecret
        self.tagKeys = tagKeys
    }

    /// Adds a new active tag key and retires the previous one (it still verifies old stamps).
    public mutating func rotate(now: Date = Date()) throws -> TagKey {
        let used = Set(tagKeys.map(\.id))
        let order = SerialAlphabet.characters.filter(\.isLetter) + SerialAlphabet.characters.filter(\.isNumber)
        guard let id = order.first(where: { !used.contains($0) }) else { throw KeyRingError.noFreeKeyID }
        for i in tagKeys.indices where tagKeys[i].status == .active { tagKeys[i].status = .retired }
        let key = TagKey(id: id, secret: Self.randomBytes(32), created: ISO8601DateFormatter().string(from: now), status: .active)
        tagKeys.append(key)
        return key
    }

    /// Marks a key as compromised: stamps tagged with it no longer verify as genuine.
    public mutating func revoke(_ id: Character) throws {
        guard let i = tagKeys.firstIndex(where: { $0.id == id }) else { throw KeyRingError.unknownKey(id) }
        tagKeys[i].status = .revoked
    }

    /// The 16-byte key of the serial permutation for one GTIN (HKDF-SHA256 from the serial secret),
    /// so each product has its own unpredictable sequence.
    func serialKey(gtin: String) -> [UInt8] {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: serialSecret),
                                             info: Data("txng serial permutation v1 \(gtin)".utf8), outputByteCount: 16)
        return derived.withUnsafeBytes { Array($0) }
    }

    static func randomBytes(_ n: Int) -> [UInt8] {
        var g = SystemRandomNumberGenerator()
        return (0..<n).map { _ in UInt8.random(in: 0...255, using: &g) }
    }

    // MARK: storage

    struct File: Codable {
        var version = 1
        var serialSecret: String
        var tagKeys: [TagKey]
    }

    public func write(to url: URL) throws {
        let file = File(serialSecret: Data(serialSecret).base64EncodedString(), tagKeys: tagKeys)
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try enc.encode(file)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        // Create with 0600 before any secret is written, then replace atomically.
        let tmp = url.appendingPathExtension("tmp")
        _ = FileManager.default.createFile(atPath: tmp.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let h = try FileHandle(forWritingTo: tmp)   // throws if the file could not be made
        try h.write(contentsOf: data)
        try h.synchronize()
        try h.close()
        guard rename(tmp.path, url.path) == 0 else { throw KeyRingError.cannotWrite(url.path, String(cString: strerror(errno))) }
    }

    public static func read(from url: URL) throws -> StampKeyRing {
        let attrs = try FileManager.default.attributesOfItem(atPath: url.path)
        if let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw KeyRingError.tooOpen(url.path, String(mode, radix: 8))
        }
        let file: File
        do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)) } catch {
            throw KeyRingError.malformed(url.path, "\(error)")
        }
        guard let s = Data(base64Encoded: file.serialSecret), s.count == 32 else { throw KeyRingError.malformed(url.path, "serialSecret must be 32 bytes in base64") }
        guard Set(file.tagKeys.map(\.id)).count == file.tagKeys.count else { throw KeyRingError.malformed(url.path, "duplicate tag key id") }
        return StampKeyRing(serialSecret: Array(s), tagKeys: file.tagKeys)
    }

    /// Reads the ring at `url`, or creates and stores a new one if there is none.
    public static func loadOrCreate(at url: URL) throws -> (StampKeyRing, created: Bool) {
        if FileManager.default.fileExists(atPath: url.path) { return (try read(from: url), false) }
        let ring = generate()
        try ring.write(to: url)
        return (ring, true)
    }
}

public enum KeyRingError: Error, Equatable, CustomStringConvertible {
    case noFreeKeyID
    case unknownKey(Character)
    case tooOpen(String, String)
    case malformed(String, String)
    case cannotWrite(String, String)
    case noActiveKey

    public var description: String {
        switch self {
        case .noFreeKeyID: return "every tag key id is used; archive the ring and start a new one"
        case .unknownKey(let c): return "no tag key with id \(c)"
        case .tooOpen(let p, let m): return "\(p) has mode \(m): other users could read the stamp secrets; run `chmod 600 \(p)`"
        case .malformed(let p, let r): return "\(p) is not a valid key ring: \(r)"
        case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
        case .noActiveKey: return "the key ring has no active tag key; run `station keys rotate`"
        }
    }
}

/// The 32 characters serials and tags are written with: digits and capitals without 0, 1, I and O,
/// which people misread on a small stamp.
public enum SerialAlphabet {
    public static let characters: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ")
    static let bytes: [UInt8] = characters.map { $0.asciiValue! }
    private static let table: [Int8] = {
        var t = [Int8](repeating: -1, count: 128)
        for (i, b) in bytes.enumerated() { t[Int(b)] = Int8(i) }
        return t
    }()

    public static func value(of c: Character) -> Int? {
        guard let a = c.asciiValue, a < 128 else { return nil }
        let v = table[Int(a)]
        return v < 0 ? nil : Int(v)
    }

    static func value(ofByte b: UInt8) -> Int? {
        guard b < 128 else { return nil }
        let v = table[Int(b)]
        return v < 0 ? nil : Int(v)
    }
}

/// The authenticity tag printed with every stamp: key id + 7 characters of
/// HMAC-SHA256(tag key, "GTIN14|serial"), i.e. 35 bits a forger has to guess.
public struct StampTagger: Sendable {
    public static let macCharacters = 7
    public let ring: StampKeyRing
    /// Each tag key's HMAC state after the key block, so a stamp costs two hash blocks, not four.
    private let keyed: [Character: KeyedHMAC]

    /// An HMAC already keyed. swift-crypto's HMAC is a copy-on-write value that does not declare
    /// `Sendable`: it is only ever copied out of this immutable table and updated in the copy, which
    /// takes its own hash state first (the table's reference keeps the shared one non-unique).
    private struct KeyedHMAC: @unchecked Sendable { let hmac: HMAC<SHA256> }

    public init(ring: StampKeyRing) {
        self.ring = ring
        var keyed: [Character: KeyedHMAC] = [:]
        // The first key with an id, as `verify` finds it.
        for k in ring.tagKeys where keyed[k.id] == nil { keyed[k.id] = KeyedHMAC(hmac: HMAC<SHA256>(key: SymmetricKey(data: k.secret))) }
        self.keyed = keyed
    }

    public func tag(gtin14: String, serial: String) throws -> String {
        guard let key = ring.activeKey else { throw KeyRingError.noActiveKey }
        return String(key.id) + mac(key: key, gtin14: gtin14, serial: serial)
    }

    public enum Verdict: Equatable, Sendable { case valid(keyID: Character), invalid, revokedKey(Character), unknownKey(Character), malformed }

    public func verify(tag: String, gtin14: String, serial: String) -> Verdict {
        guard tag.count == 1 + Self.macCharacters, let id = tag.first else { return .malformed }
        guard let key = ring.tagKeys.first(where: { $0.id == id }) else { return .unknownKey(id) }
        let expected = Array(mac(key: key, gtin14: gtin14, serial: serial).utf8)
        let given = Array(tag.utf8.dropFirst())
        guard expected.count == given.count else { return .invalid }
        var diff: UInt8 = 0   // constant time: do not tell a forger how many characters were right
        for i in 0..<expected.count { diff |= expected[i] ^ given[i] }
        guard diff == 0 else { return .invalid }
        return key.status == .revoked ? .revokedKey(id) : .valid(keyID: id)
    }

    func mac(key: StampKeyRing.TagKey, gtin14: String, serial: String) -> String {
        var h = keyed[key.id]?.hmac ?? HMAC<SHA256>(key: SymmetricKey(data: key.secret))
        var message = gtin14
        message.append("|")
        message.append(serial)
        message.withUTF8 { h.update(data: UnsafeRawBufferPointer($0)) }
        let mac = h.finalize()
        var bits: UInt64 = 0
        for (i, b) in mac.prefix(8).enumerated() { bits |= UInt64(b) << (56 - 8 * UInt64(i)) }
        var out = ""
        for i in 0..<Self.macCharacters { out.append(SerialAlphabet.characters[Int((bits >> (59 - 5 * UInt64(i))) & 31)]) }
        return out
    }
}
