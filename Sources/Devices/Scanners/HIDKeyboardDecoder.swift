/// Decodes the input reports of a keyboard-wedge scanner into scans.
///
/// Reports are boot-protocol keyboard reports (HID 1.11 Appendix B.1): byte 0 the modifier
/// bits (HID Usage Tables page 0x07, usages 0xE0–0xE7: bit 0 Left Ctrl, 1 Left Shift,
/// 2 Left Alt, 3 Left GUI, 4 Right Ctrl, 5 Right Shift, 6 Right Alt, 7 Right GUI), byte 1
/// reserved, bytes 2–7 the usages of up to six keys held down. A key is *typed* when it appears
/// in a report and was absent from the previous one, so repeated reports, rollover (a new key
/// while the previous one is still held) and releases all come out right. A report whose key
/// slots hold ErrorRollOver, POSTFail or ErrorUndefined (0x01–0x03) says nothing about the
/// keys and is skipped, keeping the previous state.
///
/// Characters come from the ``HIDKeyboardLayout``; Shift and AltGr (Right Alt, or Ctrl+Left
/// Alt) select the level; Caps Lock is ignored, since a scanner compensates for it with Shift.
/// Ctrl chords give control characters, so GS1's GS arrives as Ctrl+] (or the layout's key in
/// that position); Left Alt with keypad digits gives Alt codes (`Alt+029` is GS, `Alt+0233`
/// Windows-1252 é). Enter and Keypad Enter give CR, Tab gives TAB; the ``ScanFramer`` decides
/// which of them end a scan.
///
/// Pure: times are passed in, and nothing but the value itself changes.
public struct HIDKeyboardDecoder: Sendable {
    /// How the reports are laid out and interpreted.
    public struct Configuration: Sendable, Hashable {
        /// The keyboard country the scanner is set to.
        public var layout: HIDKeyboardLayout
        /// How characters become scans.
        public var framing: ScanFraming
        /// The report ID that precedes keyboard reports on report-protocol interfaces; reports
        /// with another ID (consumer keys, vendor data) are ignored. `nil` for boot protocol.
        public var reportID: UInt8?

        /// Defaults: US layout, CR/LF terminators, boot protocol.
        public init(layout: HIDKeyboardLayout = .us, framing: ScanFraming = ScanFraming(), reportID: UInt8? = nil) {
            self.layout = layout
            self.framing = framing
            self.reportID = reportID
        }
    }

    /// Progress of an Alt+keypad code.
    enum AltCode: Sendable, Hashable {
        /// Left Alt is not held with keypad digits.
        case none
        /// Digits typed so far while Left Alt is held.
        case collecting(value: Int, digits: Int, leadingZero: Bool)
    }

    /// Modifier bits of byte 0.
    enum Modifier {
        static let leftCtrl: UInt8 = 0x01, leftShift: UInt8 = 0x02, leftAlt: UInt8 = 0x04, leftGUI: UInt8 = 0x08
        static let rightCtrl: UInt8 = 0x10, rightShift: UInt8 = 0x20, rightAlt: UInt8 = 0x40, rightGUI: UInt8 = 0x80
    }

    /// The configuration the decoder was made with.
    public let configuration: Configuration
    private var framer: ScanFramer
    /// Usages held down in the last report that described the keys.
    private var pressed: [UInt8] = []
    private var modifiers: UInt8 = 0
    private var altCode: AltCode = .none
    private var pendingDeadKey: HIDKeyboardLayout.DeadKey?

    /// A decoder with no keys held and no scan in progress.
    public init(configuration: Configuration) {
        self.configuration = configuration
        framer = ScanFramer(framing: configuration.framing)
    }

    /// Decodes one input report received at `time`.
    public mutating func feed(report: [UInt8], at time: Duration) -> [DecodedScan] {
        var output = framer.advance(to: time)
        var body = report[...]
        if let reportID = configuration.reportID {
            guard body.first == reportID else { return output }
            body = body.dropFirst()
        }
        guard body.count >= 3 else {
            return output + framer.reject(.malformedReport("keyboard report of \(report.count) bytes"), at: time)
        }
        let newModifiers = body[body.startIndex]
        let slots = body.dropFirst(2)
        if slots.contains(where: { (0x01...0x03).contains($0) }) { return output }
        var current: [UInt8] = []
        for usage in slots where usage != 0 && !current.contains(usage) { current.append(usage) }

        if modifiers & Modifier.leftAlt != 0, newModifiers & Modifier.leftAlt == 0 {
            output += finishAltCode(at: time)
        }
        for usage in current where !pressed.contains(usage) {
            output += press(usage, modifiers: newModifiers, at: time)
        }
        pressed = current
        modifiers = newModifiers
        return output
    }

    /// Decodes reports that arrived together (or were recorded) at `time`; equal to feeding them
    /// one by one at that time.
    public mutating func feed(reports: [[UInt8]], at time: Duration) -> [DecodedScan] {
        reports.flatMap { feed(report: $0, at: time) }
    }

    /// Ends a scan whose inter-character timeout has passed by `time` (see ``ScanFramer``).
    public mutating func advance(to time: Duration) -> [DecodedScan] {
        framer.advance(to: time)
    }

    /// The device is gone or the input ended: whatever was in progress is finished and the key
    /// state forgotten.
    public mutating func finish() -> [DecodedScan] {
        pressed = []
        modifiers = 0
        altCode = .none
        pendingDeadKey = nil
        return framer.finish()
    }

    // MARK: Keys

    private mutating func press(_ usage: UInt8, modifiers: UInt8, at time: Duration) -> [DecodedScan] {
        let ctrl = modifiers & (Modifier.leftCtrl | Modifier.rightCtrl) != 0
        let shift = modifiers & (Modifier.leftShift | Modifier.rightShift) != 0
        let leftAlt = modifiers & Modifier.leftAlt != 0
        let rightAlt = modifiers & Modifier.rightAlt != 0
        let gui = modifiers & (Modifier.leftGUI | Modifier.rightGUI) != 0
        let altGr = rightAlt || (ctrl && leftAlt)

        switch usage {
        case 0xE0...0xE7, 0x39, 0x47, 0x53:
            // Modifiers listed as keys, Caps Lock, Scroll Lock, Num Lock: state keys, no character.
            return []
        default:
            break
        }
        if gui { return unmapped(usage, modifiers: modifiers, at: time) }
        if leftAlt, !ctrl, !rightAlt {
            guard let digit = Self.keypadDigit(usage) else { return unmapped(usage, modifiers: modifiers, at: time) }
            switch altCode {
            case .none:
                altCode = .collecting(value: digit, digits: 1, leadingZero: digit == 0)
            case let .collecting(value, digits, leadingZero):
                // Seven digits already exceed every code; keep counting without overflowing.
                altCode = .collecting(value: digits < 7 ? value * 10 + digit : value, digits: digits + 1, leadingZero: leadingZero)
            }
            return []
        }
        switch usage {
        case 0x28, 0x58: return type(byte: 0x0D, at: time)   // Keyboard Return (ENTER), Keypad ENTER
        case 0x2B: return type(byte: 0x09, at: time)         // Keyboard Tab
        case 0x29: return type(byte: 0x1B, at: time)         // Keyboard ESCAPE
        case 0x2A: return type(byte: 0x08, at: time)         // Keyboard DELETE (Backspace)
        case 0x4C: return type(byte: 0x7F, at: time)         // Keyboard Delete Forward
        default: break
        }
        let layout = configuration.layout
        if ctrl, !altGr {
            guard let control = layout.controlCharacter(usage: usage, shift: shift) else {
                return unmapped(usage, modifiers: modifiers, at: time)
            }
            return type(byte: control, at: time)
        }
        switch layout.output(usage: usage, shift: shift, altGr: altGr) {
        case nil:
            return unmapped(usage, modifiers: modifiers, at: time)
        case let .character(character)?:
            return type(character, at: time)
        case let .dead(deadKey)?:
            if let pending = pendingDeadKey {
                pendingDeadKey = nil
                return emit(String(pending.spacing) + String(deadKey.spacing), at: time)
            }
            pendingDeadKey = deadKey
            return []
        }
    }

    /// Types a character, combining it with a pending dead key the way Windows does: the accent
    /// alone before a space, the precomposed letter if there is one, otherwise both.
    private mutating func type(_ character: Character, at time: Duration) -> [DecodedScan] {
        guard let deadKey = pendingDeadKey else { return emit(String(character), at: time) }
        pendingDeadKey = nil
        if character == " " { return emit(String(deadKey.spacing), at: time) }
        if let composed = deadKey.compose(with: character) { return emit(String(composed), at: time) }
        return emit(String(deadKey.spacing) + String(character), at: time)
    }

    /// Types a control byte (or CR/TAB); a pending dead key types its accent first.
    private mutating func type(byte: UInt8, at time: Duration) -> [DecodedScan] {
        var output = flushDeadKey(at: time)
        output += framer.feed(byte, at: time)
        return output
    }

    private mutating func emit(_ text: String, at time: Duration) -> [DecodedScan] {
        framer.feed(text.utf8, at: time)
    }

    private mutating func flushDeadKey(at time: Duration) -> [DecodedScan] {
        guard let deadKey = pendingDeadKey else { return [] }
        pendingDeadKey = nil
        return emit(String(deadKey.spacing), at: time)
    }

    private mutating func unmapped(_ usage: UInt8, modifiers: UInt8, at time: Duration) -> [DecodedScan] {
        pendingDeadKey = nil
        altCode = .none
        return framer.reject(.unmappedKey(usage: usage, modifiers: modifiers), at: time)
    }

    private mutating func finishAltCode(at time: Duration) -> [DecodedScan] {
        guard case let .collecting(value, digits, leadingZero) = altCode else { return [] }
        altCode = .none
        if digits > 7 { return framer.reject(.unsupportedAltCode(value), at: time) }
        switch Self.altCodeScalar(value, leadingZero: leadingZero) {
        case let scalar? where scalar.value < 0x80:
            return type(byte: UInt8(scalar.value), at: time)
        case let scalar?:
            return type(Character(scalar), at: time)
        case nil:
            pendingDeadKey = nil
            return framer.reject(.unsupportedAltCode(value), at: time)
        }
    }

    /// Keypad 1–9 are usages 0x59–0x61, keypad 0 is 0x62.
    static func keypadDigit(_ usage: UInt8) -> Int? {
        switch usage {
        case 0x59...0x61: return Int(usage - 0x58)
        case 0x62: return 0
        default: return nil
        }
    }

    /// Alt codes with a leading zero are Windows-1252; without, only ASCII (0–127) has a meaning
    /// scanners rely on (OEM code pages above 127 differ per host).
    static func altCodeScalar(_ value: Int, leadingZero: Bool) -> Unicode.Scalar? {
        switch value {
        case 0..<0x80: return Unicode.Scalar(UInt8(value))
        case 0x80..<0xA0 where leadingZero: return windows1252High[value - 0x80].flatMap(Unicode.Scalar.init)
        case 0xA0...0xFF where leadingZero: return Unicode.Scalar(UInt8(value))
        default: return nil
        }
    }

    /// Windows-1252 0x80–0x9F (the rest of its upper half equals Latin-1); `nil` where undefined.
    static let windows1252High: [UInt32?] = [
        0x20AC, nil, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, nil, 0x017D, nil,
        nil, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, nil, 0x017E, 0x0178,
    ]
}
