/// A byte that ends a scan.
public enum ScanTerminator: String, Sendable, Hashable, CaseIterable {
    /// CR (ASCII 13); what a keyboard-mode scanner's Enter key produces.
    case carriageReturn = "cr"
    /// LF (ASCII 10).
    case lineFeed = "lf"
    /// TAB (ASCII 9), for scanners configured with a Tab suffix.
    case tab

    /// The byte on the wire.
    public var byte: UInt8 {
        switch self {
        case .carriageReturn: return 0x0D
        case .lineFeed: return 0x0A
        case .tab: return 0x09
        }
    }
}

/// How a stream of characters is cut into scans and which scans are acceptable; shared by the
/// keyboard, HID POS, serial and standard-input paths so that they all behave alike.
public struct ScanFraming: Sendable, Hashable {
    /// Bytes that end a scan. With both CR and LF, CRLF ends one scan (not one plus an empty
    /// one). Empty: the scanner sends no terminator and ``interCharacterTimeout`` ends a scan.
    public var terminators: Set<ScanTerminator>
    /// A pause this long between two characters ends the scan: as a complete scan when there are
    /// no terminators, otherwise as an incomplete (rejected) one. Also the longest wait for the
    /// next report of a multi-report HID POS scan.
    public var interCharacterTimeout: Duration
    /// The most bytes one scan may have; anything longer becomes one rejection and at most
    /// ``ScanRejection/prefixLimit`` bytes of it are kept.
    public var maxLength: Int
    /// Whether to look for, report and strip ISO/IEC 15424 symbology identifiers.
    public var symbologyIdentifiers: SymbologyIdentifierPolicy
    /// Printable text the scanner was configured to send instead of GS (ASCII 29), e.g. `"{GS}"`;
    /// it is turned back into GS. `nil`: none.
    public var gsPlaceholder: String?

    /// Defaults: CR or LF (or CRLF) ends a scan, 500 ms pause, 4096 bytes, identifiers detected.
    public init(terminators: Set<ScanTerminator> = [.carriageReturn, .lineFeed],
                interCharacterTimeout: Duration = .milliseconds(500), maxLength: Int = 4096,
                symbologyIdentifiers: SymbologyIdentifierPolicy = .detect, gsPlaceholder: String? = nil) {
        precondition(maxLength > 0, "maxLength must be positive")
        precondition(interCharacterTimeout > .zero, "interCharacterTimeout must be positive")
        precondition(gsPlaceholder.map { !$0.isEmpty } ?? true, "an empty GS placeholder would match everywhere")
        self.terminators = terminators
        self.interCharacterTimeout = interCharacterTimeout
        self.maxLength = maxLength
        self.symbologyIdentifiers = symbologyIdentifiers
        self.gsPlaceholder = gsPlaceholder
    }
}

/// What a decoder made of the input: a scan ready to use, or a rejection with its reason.
public enum DecodedScan: Sendable, Hashable {
    /// Valid data (symbology identifier and terminator removed) and its symbology, if known.
    case scan(bytes: [UInt8], symbology: AIMIdentifier?)
    /// A scan that cannot be used, with the start of what arrived.
    case rejected(ScanRejectionReason, prefix: [UInt8])
}

/// Cuts a byte stream into scans: terminators, inter-character timeout, maximum length, then
/// validation (``ScanValidator``).
///
/// A pure state machine: times are passed in as `Duration`s since any fixed origin, so tests
/// drive it with literal times and readers with a monotonic clock. Memory stays bounded by
/// ``ScanFraming/maxLength`` whatever arrives.
public struct ScanFramer: Sendable {
    /// Where the framer is within a scan.
    public enum State: Sendable, Hashable {
        /// Between scans.
        case idle
        /// A CR terminator just ended a scan; an LF right after it is the rest of a CRLF.
        case afterCarriageReturn
        /// Collecting a scan's bytes.
        case receiving
        /// A CR arrived while only LF terminates: the next byte tells CRLF from a stray CR.
        case heldCarriageReturn
        /// The current scan is already rejected; its bytes are dropped until it ends.
        case discarding(ScanRejectionReason)
    }

    /// The rules the framer applies.
    public let framing: ScanFraming
    /// Where the framer is within a scan.
    public private(set) var state: State = .idle
    private var buffer: [UInt8] = []
    private var lastInputAt: Duration?

    /// A framer between scans.
    public init(framing: ScanFraming) {
        self.framing = framing
    }

    /// Feeds one byte received at `time`.
    public mutating func feed(_ byte: UInt8, at time: Duration) -> [DecodedScan] {
        var output = advance(to: time)
        lastInputAt = time
        if state == .afterCarriageReturn {
            state = .idle
            if byte == 0x0A { return output }
        }
        if state == .heldCarriageReturn {
            state = .receiving
            if byte == 0x0A { return output + complete() }
            append(0x0D)
        }
        if let terminator = ScanTerminator.allCases.first(where: { $0.byte == byte }),
           framing.terminators.contains(terminator) {
            output += complete()
            if terminator == .carriageReturn { state = .afterCarriageReturn }
            return output
        }
        if byte == 0x0D, framing.terminators.contains(.lineFeed), state == .idle || state == .receiving {
            state = .heldCarriageReturn
            return output
        }
        append(byte)
        return output
    }

    /// Feeds bytes that arrived together at `time`.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes, at time: Duration) -> [DecodedScan] where Bytes.Element == UInt8 {
        var output: [DecodedScan] = []
        for byte in bytes { output += feed(byte, at: time) }
        return output
    }

    /// Marks the scan in progress (or the one starting now) as rejected for `reason`; the first
    /// reason sticks. Used by decoders that see a problem below the byte level.
    public mutating func reject(_ reason: ScanRejectionReason, at time: Duration) -> [DecodedScan] {
        let output = advance(to: time)
        lastInputAt = time
        switch state {
        case .discarding:
            break
        case .heldCarriageReturn:
            append(0x0D)
            startDiscarding(reason)
        case .idle, .afterCarriageReturn, .receiving:
            startDiscarding(reason)
        }
        return output
    }

    /// Ends a scan whose inter-character timeout has passed by `time`; call it when a read times
    /// out so that a scanner without terminator is heard without waiting for its next scan.
    public mutating func advance(to time: Duration) -> [DecodedScan] {
        guard let last = lastInputAt, time - last > framing.interCharacterTimeout else { return [] }
        return endOfData()
    }

    /// Ends whatever is in progress because no more input will come (end of file, device gone).
    public mutating func finish() -> [DecodedScan] {
        endOfData()
    }

    private mutating func endOfData() -> [DecodedScan] {
        switch state {
        case .idle:
            return []
        case .afterCarriageReturn:
            state = .idle
            return []
        case .heldCarriageReturn:
            state = .receiving
            append(0x0D)
            return endOfData()
        case .discarding:
            return complete()
        case .receiving:
            if framing.terminators.isEmpty { return complete() }
            let prefix = Array(buffer.prefix(ScanRejection.prefixLimit))
            buffer = []
            state = .idle
            return [.rejected(.incomplete, prefix: prefix)]
        }
    }

    private mutating func append(_ byte: UInt8) {
        switch state {
        case .discarding:
            if buffer.count < ScanRejection.prefixLimit { buffer.append(byte) }
        case .idle, .afterCarriageReturn, .receiving, .heldCarriageReturn:
            if buffer.count >= framing.maxLength {
                startDiscarding(.tooLong(limit: framing.maxLength))
                if buffer.count < ScanRejection.prefixLimit { buffer.append(byte) }
            } else {
                buffer.append(byte)
                state = .receiving
            }
        }
    }

    private mutating func startDiscarding(_ reason: ScanRejectionReason) {
        if buffer.count > ScanRejection.prefixLimit { buffer = Array(buffer.prefix(ScanRejection.prefixLimit)) }
        state = .discarding(reason)
    }

    private mutating func complete() -> [DecodedScan] {
        defer {
            buffer = []
            state = .idle
        }
        switch state {
        case let .discarding(reason):
            return [.rejected(reason, prefix: buffer)]
        case .receiving, .heldCarriageReturn:
            return buffer.isEmpty ? [] : [ScanValidator.validate(buffer, framing: framing)]
        case .idle, .afterCarriageReturn:
            return []
        }
    }
}

/// Checks one complete scan and turns it into a ``DecodedScan``: symbology identifier, GS
/// placeholder, length, UTF-8 and control characters, in that order.
public enum ScanValidator {
    /// Control characters allowed inside data: EOT, FS, GS, RS (ISO/IEC 15434 envelopes and
    /// GS1's FNC1 separator). Everything else below U+0020, DEL and C1 controls are rejected.
    public static let allowedControls: Set<UInt32> = [0x04, 0x1C, 0x1D, 0x1E]

    /// Validates `raw`. `symbology` is an identifier the transport reported separately (HID
    /// POS); a copy of it at the start of the data is stripped too.
    public static func validate(_ raw: [UInt8], framing: ScanFraming, symbology known: AIMIdentifier? = nil) -> DecodedScan {
        var bytes = raw
        var symbology = known
        if framing.symbologyIdentifiers != .keep, let found = AIMIdentifier(bytes: bytes.prefix(3)),
           known == nil || known == found {
            symbology = found
            bytes.removeFirst(3)
        }
        if framing.symbologyIdentifiers == .require, symbology == nil {
            return .rejected(.missingSymbologyIdentifier, prefix: Array(raw.prefix(ScanRejection.prefixLimit)))
        }
        if let placeholder = framing.gsPlaceholder {
            bytes = replace(Array(placeholder.utf8), with: 0x1D, in: bytes)
        }
        let prefix = Array(raw.prefix(ScanRejection.prefixLimit))
        guard !bytes.isEmpty else { return .rejected(.empty, prefix: prefix) }
        guard bytes.count <= framing.maxLength else { return .rejected(.tooLong(limit: framing.maxLength), prefix: prefix) }
        var index = 0
        while index < bytes.count {
            switch UTF8Validation.scalar(in: bytes, at: index) {
            case .invalid:
                return .rejected(.invalidUTF8(offset: index), prefix: prefix)
            case let .valid(scalar, length):
                let value = scalar.value
                if value < 0x20 || (0x7F..<0xA0).contains(value), !allowedControls.contains(value) {
                    return .rejected(.controlCharacter(scalar: value, offset: index), prefix: prefix)
                }
                index += length
            }
        }
        return .scan(bytes: bytes, symbology: symbology)
    }

    static func replace(_ pattern: [UInt8], with byte: UInt8, in bytes: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index + pattern.count <= bytes.count, bytes[index..<index + pattern.count].elementsEqual(pattern) {
                result.append(byte)
                index += pattern.count
            } else {
                result.append(bytes[index])
                index += 1
            }
        }
        return result
    }
}

/// UTF-8 well-formedness per the Unicode Standard, Table 3-7 (no overlong forms, no
/// surrogates, nothing above U+10FFFF).
enum UTF8Validation {
    enum Step: Equatable {
        case valid(Unicode.Scalar, length: Int)
        case invalid
    }

    static func scalar(in bytes: [UInt8], at index: Int) -> Step {
        let lead = bytes[index]
        if lead < 0x80 { return .valid(Unicode.Scalar(lead), length: 1) }
        let length: Int
        let second: ClosedRange<UInt8>
        switch lead {
        case 0xC2...0xDF: length = 2; second = 0x80...0xBF
        case 0xE0: length = 3; second = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3; second = 0x80...0xBF
        case 0xED: length = 3; second = 0x80...0x9F
        case 0xF0: length = 4; second = 0x90...0xBF
        case 0xF1...0xF3: length = 4; second = 0x80...0xBF
        case 0xF4: length = 4; second = 0x80...0x8F
        default: return .invalid
        }
        guard index + length <= bytes.count, second.contains(bytes[index + 1]) else { return .invalid }
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length {
            let byte = bytes[index + offset]
            guard offset == 1 || (0x80...0xBF).contains(byte) else { return .invalid }
            value = value << 6 | UInt32(byte & 0x3F)
        }
        guard let scalar = Unicode.Scalar(value) else { return .invalid }
        return .valid(scalar, length: length)
    }
}
