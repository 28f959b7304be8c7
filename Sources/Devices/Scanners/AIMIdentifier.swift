/// An ISO/IEC 15424 symbology identifier: `]`, a code character naming the symbology and a
/// modifier character, e.g. `]Q1` (QR Code) or `]d2` (GS1 DataMatrix).
///
/// Scanners configured to send "AIM IDs" put it before the data. It is what tells the station
/// that `]d2010893…` is a GS1 element string while `]Q1https://…` is plain text (a Digital
/// Link), without guessing from the content.
public struct AIMIdentifier: Sendable, Hashable, CustomStringConvertible {
    /// The code character, e.g. `Q`.
    public let code: Character
    /// The modifier character, e.g. `1`.
    public let modifier: Character

    /// Accepts any code character from ``knownCodes`` with a modifier `0`–`9` or `A`–`Z`.
    public init?(code: Character, modifier: Character) {
        guard Self.knownCodes[code] != nil, Self.isModifier(modifier) else { return nil }
        self.code = code
        self.modifier = modifier
    }

    /// Parses the three bytes `]`, code, modifier; `nil` if they are not a known identifier.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 3 else { return nil }
        let values = Array(bytes)
        guard values[0] == 0x5D, values[1] < 0x80, values[2] < 0x80 else { return nil }
        self.init(code: Character(Unicode.Scalar(values[1])), modifier: Character(Unicode.Scalar(values[2])))
    }

    /// The identifier as transmitted, e.g. `"]Q1"`.
    public var text: String { "]" + String(code) + String(modifier) }

    /// The identifier's three bytes.
    public var bytes: [UInt8] { Array(text.utf8) }

    public var description: String { text }

    /// The data is a GS1 element string (AIs, FNC1 as GS): GS1-128 `]C1`, GS1 DataBar `]e0`,
    /// GS1 DataMatrix `]d2`, GS1 QR Code `]Q3`, GS1 DotCode `]J1` (GS1 General Specifications,
    /// symbology identifiers).
    public var carriesGS1ElementString: Bool {
        switch (code, modifier) {
        case ("C", "1"), ("e", "0"), ("d", "2"), ("Q", "3"), ("J", "1"): return true
        default: return false
        }
    }

    /// A human name for logs, e.g. "GS1 DataMatrix" or "QR Code".
    public var symbologyName: String {
        switch (code, modifier) {
        case ("C", "1"): return "GS1-128"
        case ("e", "0"): return "GS1 DataBar"
        case ("d", "2"): return "GS1 DataMatrix"
        case ("Q", "3"): return "GS1 QR Code"
        case ("J", "1"): return "GS1 DotCode"
        case ("E", "0"): return "EAN-13/UPC-A/UPC-E"
        case ("E", "4"): return "EAN-8"
        case ("E", "1"), ("E", "2"), ("E", "3"): return "EAN/UPC with add-on"
        default: return Self.knownCodes[code] ?? "unknown"
        }
    }

    /// Code characters of ISO/IEC 15424 (and the AIM specifications that added to it) with the
    /// symbology each one names.
    public static let knownCodes: [Character: String] = [
        "A": "Code 39", "B": "Telepen", "C": "Code 128", "D": "Code One", "E": "EAN/UPC",
        "F": "Codabar", "G": "Code 93", "H": "Code 11", "I": "Interleaved 2 of 5", "J": "DotCode",
        "K": "Code 16K", "L": "PDF417/MicroPDF417", "M": "MSI", "N": "Anker", "O": "Codablock",
        "P": "Plessey", "Q": "QR Code", "R": "Straight 2 of 5 (two-bar start/stop)",
        "S": "Straight 2 of 5 (three-bar start/stop)", "T": "Code 49", "U": "MaxiCode",
        "X": "other bar code", "Z": "non-bar-code data", "c": "Channel Code", "d": "Data Matrix",
        "e": "GS1 DataBar", "h": "Han Xin Code", "o": "OCR", "p": "PosiCode", "s": "SuperCode",
        "z": "Aztec Code",
    ]

    private static func isModifier(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (0x30...0x39).contains(ascii) || (0x41...0x5A).contains(ascii)
    }
}

/// What to do with symbology identifiers at the start of scanned data.
public enum SymbologyIdentifierPolicy: String, Sendable, Hashable, CaseIterable {
    /// Recognise a known identifier when present, report it and strip it; data without one is
    /// accepted unchanged. The default: works whether or not the scanner sends them.
    case detect
    /// Like `detect`, but a scan without a known identifier is rejected, for stations that
    /// must know the symbology (e.g. to tell GS1 element strings from plain text).
    case require
    /// Never look for identifiers; the data is passed on unchanged.
    case keep
}
