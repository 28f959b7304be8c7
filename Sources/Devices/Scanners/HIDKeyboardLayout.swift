import Foundation

/// Which character each key of the USB HID Keyboard/Keypad page (0x07) produces under a host
/// keyboard layout, as a keyboard-wedge scanner assumes when it "types" a code.
///
/// A scanner set to a keyboard country presses the keys that make each character on that
/// country's layout; the station must undo exactly that. Usage IDs are those of the HID Usage
/// Tables, Keyboard/Keypad page (0x07): `0x04`–`0x1D` letters, `0x1E`–`0x27` digit row,
/// `0x2C`–`0x38` punctuation, `0x54`–`0x63` keypad, `0x64` the ISO key left of Z. The
/// characters per layout follow the Windows layouts scanners emulate (KBDUS, KBDFR, KBDGR).
public struct HIDKeyboardLayout: Sendable, Hashable, CustomStringConvertible {
    /// A key that types nothing itself but changes the next character (French `^`, German `´`).
    public enum DeadKey: String, Sendable, Hashable, CaseIterable {
        case circumflex, diaeresis, grave, acute, tilde

        /// What the dead key types when followed by a space or by a letter it cannot combine with.
        public var spacing: Character {
            switch self {
            case .circumflex: return "^"
            case .diaeresis: return "¨"
            case .grave: return "`"
            case .acute: return "´"
            case .tilde: return "~"
            }
        }

        /// The combining mark it adds to a following letter.
        var combining: Unicode.Scalar {
            switch self {
            case .circumflex: return "\u{0302}"
            case .diaeresis: return "\u{0308}"
            case .grave: return "\u{0300}"
            case .acute: return "\u{0301}"
            case .tilde: return "\u{0303}"
            }
        }

        /// `base` with this accent as one precomposed character, if Unicode has one.
        func compose(with base: Character) -> Character? {
            let composed = (String(base) + String(Character(combining))).precomposedStringWithCanonicalMapping
            guard composed.unicodeScalars.count == 1, let character = composed.first else { return nil }
            return character
        }
    }

    /// What one key at one shift level produces.
    public enum KeyOutput: Sendable, Hashable {
        case character(Character)
        case dead(DeadKey)
    }

    struct Levels: Sendable, Hashable {
        var base: KeyOutput?
        var shift: KeyOutput?
        var altGr: KeyOutput? = nil
        var shiftAltGr: KeyOutput? = nil
    }

    struct Chord: Sendable, Hashable {
        var usage: UInt8
        var shift: Bool
    }

    /// Short name used in profiles, e.g. `"fr"`.
    public let id: String
    /// Human name, e.g. "French (AZERTY)".
    public let name: String
    let keys: [UInt8: Levels]
    /// Ctrl chords that produce control characters besides Ctrl+letter.
    let controlChords: [Chord: UInt8]

    public var description: String { "\(id) (\(name))" }

    /// The output of key `usage` with Shift and/or AltGr held; `nil` if the key types nothing.
    public func output(usage: UInt8, shift: Bool, altGr: Bool) -> KeyOutput? {
        guard let levels = keys[usage] else { return nil }
        switch (shift, altGr) {
        case (false, false): return levels.base
        case (true, false): return levels.shift
        case (false, true): return levels.altGr
        case (true, true): return levels.shiftAltGr
        }
    }

    /// The control character Ctrl+key produces: Ctrl+letter gives 0x01–0x1A for the letter the
    /// layout puts on that key; ESC, GS and FS come from the keys at the US `[`, `]` and `\`
    /// positions on every layout (so GS1's GS is Ctrl+] on US, Ctrl+$ on AZERTY, Ctrl++ on
    /// QWERTZ); the US layout adds Ctrl+^ (RS), Ctrl+_ (US) and Ctrl+@ (NUL).
    public func controlCharacter(usage: UInt8, shift: Bool) -> UInt8? {
        if case let .character(letter)? = keys[usage]?.base, let ascii = letter.asciiValue, (0x61...0x7A).contains(ascii) {
            return ascii - 0x60
        }
        return controlChords[Chord(usage: usage, shift: shift)]
    }

    /// The layouts the station knows, by ``id``.
    public static let all: [HIDKeyboardLayout] = [us, fr, de]

    /// Looks a layout up by profile name. `vn` is the US layout: Vietnamese keyboards use the US
    /// arrangement, and Telex/VNI are input methods that never apply to a claimed scanner.
    public static func named(_ id: String) -> HIDKeyboardLayout? {
        let key = id.lowercased()
        if key == "vn" { return us }
        return all.first { $0.id == key }
    }

    /// Names accepted by ``named(_:)``.
    public static var knownNames: [String] { all.map(\.id) + ["vn"] }

    // MARK: Tables

    /// US English (QWERTY), also used for `vn`.
    public static let us = HIDKeyboardLayout(
        id: "us", name: "US English (QWERTY)",
        keys: common(letters: [:]).merging(pairs([
            (0x1E, "1", "!"), (0x1F, "2", "@"), (0x20, "3", "#"), (0x21, "4", "$"), (0x22, "5", "%"),
            (0x23, "6", "^"), (0x24, "7", "&"), (0x25, "8", "*"), (0x26, "9", "("), (0x27, "0", ")"),
            (0x2D, "-", "_"), (0x2E, "=", "+"), (0x2F, "[", "{"), (0x30, "]", "}"), (0x31, "\\", "|"),
            (0x32, "\\", "|"), (0x33, ";", ":"), (0x34, "'", "\""), (0x35, "`", "~"), (0x36, ",", "<"),
            (0x37, ".", ">"), (0x38, "/", "?"), (0x64, "\\", "|"),
        ])) { $1 }.merging(keypad(decimal: ".")) { $1 },
        controlChords: positional.merging([
            Chord(usage: 0x23, shift: true): 0x1E,  // Ctrl+^ (Shift+6): RS
            Chord(usage: 0x2D, shift: true): 0x1F,  // Ctrl+_ (Shift+-): US
            Chord(usage: 0x1F, shift: true): 0x00,  // Ctrl+@ (Shift+2): NUL
        ]) { $1 })

    /// French (AZERTY), as Windows' KBDFR: digits need Shift, `^` and `¨` are dead keys, and
    /// AltGr+2 (`~`) and AltGr+7 (`` ` ``) are dead keys too.
    public static let fr = HIDKeyboardLayout(
        id: "fr", name: "French (AZERTY)",
        keys: common(letters: [0x04: "q", 0x14: "a", 0x1A: "z", 0x1D: "w", 0x33: "m"]).merging(pairs([
            (0x1E, "&", "1"), (0x20, "\"", "3"), (0x21, "'", "4"), (0x22, "(", "5"), (0x23, "-", "6"),
            (0x25, "_", "8"), (0x26, "ç", "9"), (0x27, "à", "0"), (0x2D, ")", "°"), (0x2E, "=", "+"),
            (0x30, "$", "£"), (0x31, "*", "µ"), (0x32, "*", "µ"), (0x34, "ù", "%"), (0x36, ";", "."),
            (0x37, ":", "/"), (0x38, "!", "§"), (0x64, "<", ">"), (0x10, ",", "?"),
        ])) { $1 }.merging([
            0x1F: Levels(base: .character("é"), shift: .character("2"), altGr: .dead(.tilde)),
            0x24: Levels(base: .character("è"), shift: .character("7"), altGr: .dead(.grave)),
            0x2F: Levels(base: .dead(.circumflex), shift: .dead(.diaeresis)),
            0x35: Levels(base: .character("²"), shift: nil),
        ]) { $1 }.merging(altGr([
            (0x20, "#"), (0x21, "{"), (0x22, "["), (0x23, "|"), (0x25, "\\"), (0x26, "^"), (0x27, "@"),
            (0x2D, "]"), (0x2E, "}"), (0x30, "¤"), (0x08, "€"),
        ])) { old, new in Levels(base: old.base, shift: old.shift, altGr: new.altGr, shiftAltGr: old.shiftAltGr) }
            .merging(keypad(decimal: ".")) { $1 },
        controlChords: positional)

    /// German (QWERTZ), as Windows' KBDGR: `^`, `´` and `` ` `` are dead keys.
    public static let de = HIDKeyboardLayout(
        id: "de", name: "German (QWERTZ)",
        keys: common(letters: [0x1C: "z", 0x1D: "y"]).merging(pairs([
            (0x1E, "1", "!"), (0x1F, "2", "\""), (0x20, "3", "§"), (0x21, "4", "$"), (0x22, "5", "%"),
            (0x23, "6", "&"), (0x24, "7", "/"), (0x25, "8", "("), (0x26, "9", ")"), (0x27, "0", "="),
            (0x2D, "ß", "?"), (0x2F, "ü", "Ü"), (0x30, "+", "*"), (0x31, "#", "'"), (0x32, "#", "'"),
            (0x33, "ö", "Ö"), (0x34, "ä", "Ä"), (0x36, ",", ";"), (0x37, ".", ":"), (0x38, "-", "_"),
            (0x64, "<", ">"),
        ])) { $1 }.merging([
            0x2E: Levels(base: .dead(.acute), shift: .dead(.grave)),
            0x35: Levels(base: .dead(.circumflex), shift: .character("°")),
        ]) { $1 }.merging(altGr([
            (0x1F, "²"), (0x20, "³"), (0x24, "{"), (0x25, "["), (0x26, "]"), (0x27, "}"), (0x2D, "\\"),
            (0x14, "@"), (0x08, "€"), (0x10, "µ"), (0x30, "~"), (0x64, "|"),
        ])) { old, new in Levels(base: old.base, shift: old.shift, altGr: new.altGr, shiftAltGr: old.shiftAltGr) }
            .merging(keypad(decimal: ",")) { $1 },
        controlChords: positional)

    /// ESC, GS and FS by key position (US `[`, `]`, `\` and the ISO `#` key), shared by all layouts.
    private static let positional: [Chord: UInt8] = [
        Chord(usage: 0x2F, shift: false): 0x1B,
        Chord(usage: 0x30, shift: false): 0x1D,
        Chord(usage: 0x31, shift: false): 0x1C,
        Chord(usage: 0x32, shift: false): 0x1C,
    ]

    /// Letters a–z at usages 0x04–0x1D, with `moved` giving the letter a layout puts elsewhere,
    /// plus the space bar.
    private static func common(letters moved: [UInt8: Character]) -> [UInt8: Levels] {
        var keys: [UInt8: Levels] = [:]
        for (offset, letter) in "abcdefghijklmnopqrstuvwxyz".enumerated() {
            keys[UInt8(0x04 + offset)] = Levels(base: .character(letter), shift: .character(Character(letter.uppercased())))
        }
        for (usage, letter) in moved {
            keys[usage] = Levels(base: .character(letter), shift: .character(Character(letter.uppercased())))
        }
        keys[0x2C] = Levels(base: .character(" "), shift: .character(" "))
        return keys
    }

    private static func pairs(_ entries: [(UInt8, Character, Character)]) -> [UInt8: Levels] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.0, Levels(base: .character($0.1), shift: .character($0.2))) })
    }

    private static func altGr(_ entries: [(UInt8, Character)]) -> [UInt8: Levels] {
        Dictionary(uniqueKeysWithValues: entries.map { ($0.0, Levels(base: nil, shift: nil, altGr: .character($0.1))) })
    }

    /// The keypad with Num Lock on (a claimed scanner has no Num Lock state; scanners that use
    /// the keypad send digits).
    private static func keypad(decimal: Character) -> [UInt8: Levels] {
        var keys: [UInt8: Levels] = [:]
        let symbols: [(UInt8, Character)] = [(0x54, "/"), (0x55, "*"), (0x56, "-"), (0x57, "+"), (0x62, "0"), (0x63, decimal)]
        for (usage, character) in symbols { keys[usage] = Levels(base: .character(character), shift: .character(character)) }
        for digit in 1...9 {
            let character = Character(String(digit))
            keys[UInt8(0x58 + digit)] = Levels(base: .character(character), shift: .character(character))
        }
        return keys
    }
}
