/// An IEEE 1284 device ID as returned by the printer-class GET_DEVICE_ID request,
/// e.g. `MFG:Zebra Technologies;CMD:ZPL;MDL:ZD420;`. It is how a station tells which
/// command language a printer speaks without a driver profile.
public struct PrinterDeviceID: Sendable, Hashable, CustomStringConvertible {
    /// The ID text as the printer sent it (without the length prefix).
    public var raw: String
    /// Key/value pairs with keys upper-cased and both sides trimmed; `MFG`, `MDL`, `CMD`, ….
    public var fields: [String: String]

    /// Parses `KEY:value;KEY:value;` text. Pairs without a colon are ignored.
    public init(parsing text: String) {
        raw = text
        var fields: [String: String] = [:]
        for pair in text.split(separator: ";") {
            guard let colon = pair.firstIndex(of: ":") else { continue }
            let key = pair[..<colon].trimmingWhitespace().uppercased()
            guard !key.isEmpty else { continue }
            let value = pair[pair.index(after: colon)...].trimmingWhitespace()
            if fields[key] == nil { fields[key] = value }
        }
        self.fields = fields
    }

    /// Parses the raw GET_DEVICE_ID reply: a two-byte length (big-endian per the spec, which
    /// counts itself) followed by the ID. Tolerates printers that send it little-endian.
    public init(reply bytes: [UInt8]) throws {
        guard bytes.count >= 2 else { throw USBError.malformedReply("device ID reply of \(bytes.count) bytes") }
        let bigEndian = Int(bytes[0]) << 8 | Int(bytes[1])
        let littleEndian = Int(bytes[1]) << 8 | Int(bytes[0])
        let length: Int
        if (2...bytes.count).contains(bigEndian) {
            length = bigEndian
        } else if (2...bytes.count).contains(littleEndian) {
            length = littleEndian
        } else {
            length = bytes.count
        }
        var body = Array(bytes[2..<length])
        while body.last == 0 { body.removeLast() }
        self.init(parsing: String(decoding: body, as: UTF8.self))
    }

    /// Looks a key up case-insensitively.
    public subscript(key: String) -> String? { fields[key.uppercased()] }

    /// `MFG` or `MANUFACTURER`.
    public var manufacturer: String? { fields["MFG"] ?? fields["MANUFACTURER"] }
    /// `MDL` or `MODEL`.
    public var model: String? { fields["MDL"] ?? fields["MODEL"] }
    /// `CMD` or `COMMAND SET`, split at commas: the page description languages, e.g. `["ZPL"]`.
    public var commandSet: [String] {
        guard let value = fields["CMD"] ?? fields["COMMAND SET"] else { return [] }
        return value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
    }
    /// `SN` or `SERN` when the printer includes its serial number.
    public var serialNumber: String? { fields["SN"] ?? fields["SERN"] }

    public var description: String { raw }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
