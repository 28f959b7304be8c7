import Foundation

/// Why a printer's status reply could not be read. The parsers throw these for any input and
/// never trap, so a noisy link or odd firmware shows up as "unreadable status", not a crash.
public enum StatusReplyError: Error, Hashable, Sendable, CustomStringConvertible {
    /// A `<STX>…<ETX>` frame grew past `limit` bytes without its `<ETX>`.
    case frameTooLong(query: String, limit: Int)
    /// More bytes than any reply could contain arrived without forming one.
    case tooMuchNoise(query: String, skipped: Int)
    /// The reply ended (or the wait was over) before it was complete.
    case incomplete(query: String, framesReceived: Int, framesExpected: Int)
    /// A line of a comma-separated reply had too few fields.
    case fieldCount(query: String, line: Int, expected: Int, found: Int)
    /// A field that must be a decimal number was not.
    case notANumber(query: String, line: Int, field: Int, text: String)
    /// A section of a text reply is missing or malformed (e.g. the `ERRORS:` line of `~HQES`).
    case malformedSection(query: String, section: String, text: String)
    /// An ESC/POS real-time status byte does not have the fixed bits every such byte has.
    case invalidStatusByte(function: UInt8, byte: UInt8)
    /// An ESC/POS `DLE EOT n` function other than 1–4 was asked for.
    case unsupportedFunction(UInt8)

    public var description: String {
        switch self {
        case let .frameTooLong(query, limit):
            return "reply to \(query): a frame exceeded \(limit) bytes without <ETX>; the link carries something other than status"
        case let .tooMuchNoise(query, skipped):
            return "reply to \(query): \(skipped) bytes arrived that are not a status reply; check the printer's language setting"
        case let .incomplete(query, received, expected):
            return "reply to \(query) incomplete: \(received) of \(expected) frame(s)"
        case let .fieldCount(query, line, expected, found):
            return "reply to \(query), line \(line): \(found) field(s), expected at least \(expected)"
        case let .notANumber(query, line, field, text):
            return "reply to \(query), line \(line), field \(field): \"\(text)\" is not a number"
        case let .malformedSection(query, section, text):
            return "reply to \(query): \(section) is missing or malformed in \"\(text)\""
        case let .invalidStatusByte(function, byte):
            return "DLE EOT \(function) reply 0x\(String(byte, radix: 16)) lacks the fixed bits of a status byte"
        case let .unsupportedFunction(n):
            return "DLE EOT \(n) is not a status function (1–4)"
        }
    }
}

/// Splits `<STX>payload<ETX>` frames out of a byte stream, skipping whatever lies between them
/// (the `<CR><LF>` that follows each frame, or noise). Pure and incremental.
struct STXFrameSplitter: Sendable {
    static let stx: UInt8 = 0x02
    static let etx: UInt8 = 0x03

    let query: String
    let limit: Int
    /// Bytes outside frames, including each frame's trailing CR LF.
    private(set) var skipped = 0
    private var current: [UInt8]?

    init(query: String, limit: Int = 1024) {
        self.query = query
        self.limit = limit
    }

    /// Feeds one byte; returns a frame's payload when its `<ETX>` arrives.
    mutating func feed(_ byte: UInt8) throws(StatusReplyError) -> [UInt8]? {
        if byte == Self.stx {
            if let partial = current { skipped += partial.count + 1 }  // a truncated frame: start over
            current = []
            return nil
        }
        guard current != nil else {
            skipped += 1
            if skipped > limit * 4 { throw .tooMuchNoise(query: query, skipped: skipped) }
            return nil
        }
        if byte == Self.etx {
            defer { current = nil }
            return current
        }
        current!.append(byte)
        if current!.count > limit { throw .frameTooLong(query: query, limit: limit) }
        return nil
    }
}

/// The answer to ZPL `~HS` (Host Status Return): three `<STX>…<ETX><CR><LF>` lines of
/// comma-separated fields, as tabled in the ZPL II Programming Guide, command `~HS`.
///
/// Letters in the comments are the guide's field names. Flags are "1 = condition present".
public struct ZPLHostStatus: Sendable, Hashable {
    // String 1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
    /// aaa: communication (interface) settings, a bit field.
    public var communicationSettings: Int
    /// b: paper out.
    public var paperOut: Bool
    /// c: pause active.
    public var paused: Bool
    /// dddd: label length in dots.
    public var labelLengthDots: Int
    /// eee: number of formats in the receive buffer.
    public var formatsInBuffer: Int
    /// f: receive buffer full.
    public var bufferFull: Bool
    /// g: communications diagnostic mode.
    public var diagnosticMode: Bool
    /// h: a partial format is in progress.
    public var partialFormat: Bool
    /// j: corrupt RAM (configuration data lost).
    public var corruptRAM: Bool
    /// k: under temperature.
    public var underTemperature: Bool
    /// l: over temperature.
    public var overTemperature: Bool
    // String 2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
    /// mmm: function settings, a bit field.
    public var functionSettings: Int
    /// o: head up (open).
    public var headUp: Bool
    /// p: ribbon out.
    public var ribbonOut: Bool
    /// q: thermal transfer mode selected (otherwise direct thermal).
    public var thermalTransfer: Bool
    /// r: print mode, one character (see ``printModeName``).
    public var printMode: String
    /// s: print width mode.
    public var printWidthMode: Int
    /// t: a label is waiting to be taken (peel-off mode).
    public var labelWaiting: Bool
    /// uuuuuuuu: labels remaining in the batch.
    public var labelsRemaining: Int
    /// v: format while printing (always 1).
    public var formatWhilePrinting: Bool
    /// www: number of graphic images stored in memory.
    public var graphicsStored: Int
    // String 3: xxxx,y
    /// xxxx: the printer's password.
    public var password: String
    /// y: static RAM installed.
    public var staticRAMInstalled: Bool

    /// The print mode in words (guide's table for field r).
    public var printModeName: String {
        switch printMode {
        case "0": return "rewind"
        case "1": return "peel-off"
        case "2": return "tear-off"
        case "3": return "cutter"
        case "4": return "applicator"
        case "5": return "delayed cut"
        case "6": return "linerless peel"
        case "7": return "linerless rewind"
        case "8": return "partial cutter"
        case "9": return "RFID"
        case "K": return "kiosk"
        case "S": return "stream"
        default: return "mode \(printMode)"
        }
    }

    /// Parses the three frame payloads (without `<STX>`/`<ETX>`). Extra trailing fields, which
    /// newer firmware may add, are ignored.
    public init(lines: [[UInt8]]) throws(StatusReplyError) {
        let query = "~HS"
        guard lines.count >= 3 else { throw .incomplete(query: query, framesReceived: lines.count, framesExpected: 3) }
        func fields(_ index: Int, _ expected: Int) throws(StatusReplyError) -> [String] {
            let text = String(decoding: lines[index], as: UTF8.self)
            let parts = text.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard parts.count >= expected else {
                throw .fieldCount(query: query, line: index + 1, expected: expected, found: parts.count)
            }
            return parts
        }
        func number(_ parts: [String], _ line: Int, _ field: Int) throws(StatusReplyError) -> Int {
            let text = parts[field]
            guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text) else {
                throw .notANumber(query: query, line: line, field: field + 1, text: text)
            }
            return value
        }
        let one = try fields(0, 12)
        communicationSettings = try number(one, 1, 0)
        paperOut = try number(one, 1, 1) != 0
        paused = try number(one, 1, 2) != 0
        labelLengthDots = try number(one, 1, 3)
        formatsInBuffer = try number(one, 1, 4)
        bufferFull = try number(one, 1, 5) != 0
        diagnosticMode = try number(one, 1, 6) != 0
        partialFormat = try number(one, 1, 7) != 0
        _ = try number(one, 1, 8)  // iii: unused, always 000
        corruptRAM = try number(one, 1, 9) != 0
        underTemperature = try number(one, 1, 10) != 0
        overTemperature = try number(one, 1, 11) != 0

        let two = try fields(1, 11)
        functionSettings = try number(two, 2, 0)
        _ = try number(two, 2, 1)  // n: unused
        headUp = try number(two, 2, 2) != 0
        ribbonOut = try number(two, 2, 3) != 0
        thermalTransfer = try number(two, 2, 4) != 0
        let mode = two[5]
        guard mode.count == 1, let scalar = mode.unicodeScalars.first, scalar.isASCII,
              scalar.properties.isAlphabetic || ("0"..."9").contains(mode) else {
            throw .notANumber(query: query, line: 2, field: 6, text: mode)
        }
        printMode = mode
        printWidthMode = try number(two, 2, 6)
        labelWaiting = try number(two, 2, 7) != 0
        labelsRemaining = try number(two, 2, 8)
        formatWhilePrinting = try number(two, 2, 9) != 0
        graphicsStored = try number(two, 2, 10)

        let three = try fields(2, 2)
        _ = try number(three, 3, 0)
        password = three[0]
        staticRAMInstalled = try number(three, 3, 1) != 0
    }

    /// Parses a complete reply as it came off the wire (frames with their CR LF, noise before
    /// the first `<STX>` skipped).
    public static func parse(_ bytes: [UInt8]) throws(StatusReplyError) -> ZPLHostStatus {
        var decoder = ZPLStatusDecoder(expecting: .hostStatus)
        guard let reply = try decoder.feed(bytes), let status = reply.hostStatus else {
            throw .incomplete(query: "~HS", framesReceived: decoder.framesReceived, framesExpected: 3)
        }
        return status
    }
}

/// The answer to ZPL `~HQES` (Host Query, printer status) on Link-OS printers: an error and a
/// warning line, each a flag and two 32-bit groups of hexadecimal bit flags, as tabled in the
/// ZPL II Programming Guide, command `~HQ`, "Error Flags" and "Warning Flags".
///
///     <STX><CR><LF>PRINTER STATUS<CR><LF>   ERRORS:         1 00000000 00000005<CR><LF>
///        WARNINGS:       1 00000000 00000008<CR><LF><ETX><CR><LF>
public struct ZPLHostQueryStatus: Sendable, Hashable {
    /// Error bits of group 1 (the last eight hex digits), named after the guide's table.
    public struct Errors: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let mediaOut = Errors(rawValue: 0x0000_0001)
        public static let ribbonOut = Errors(rawValue: 0x0000_0002)
        public static let headOpen = Errors(rawValue: 0x0000_0004)
        public static let cutterFault = Errors(rawValue: 0x0000_0008)
        public static let printheadOverTemperature = Errors(rawValue: 0x0000_0010)
        public static let motorOverTemperature = Errors(rawValue: 0x0000_0020)
        public static let badPrintheadElement = Errors(rawValue: 0x0000_0040)
        public static let printheadDetectionError = Errors(rawValue: 0x0000_0080)
        public static let invalidFirmwareConfiguration = Errors(rawValue: 0x0000_0100)
        public static let printheadThermistorOpen = Errors(rawValue: 0x0000_0200)
        public static let paperJamDuringRetract = Errors(rawValue: 0x0000_1000)
        public static let presenterNotRunning = Errors(rawValue: 0x0000_2000)
        public static let paperFeedError = Errors(rawValue: 0x0000_4000)
        public static let clearPaperPathFailed = Errors(rawValue: 0x0000_8000)
        public static let paused = Errors(rawValue: 0x0001_0000)
        public static let retractTimedOut = Errors(rawValue: 0x0002_0000)
        public static let blackMarkCalibrateError = Errors(rawValue: 0x0004_0000)
        public static let blackMarkNotFound = Errors(rawValue: 0x0008_0000)

        static let names: [(Errors, String)] = [
            (.mediaOut, "media out"), (.ribbonOut, "ribbon out"), (.headOpen, "head open"),
            (.cutterFault, "cutter fault"), (.printheadOverTemperature, "printhead over temperature"),
            (.motorOverTemperature, "motor over temperature"), (.badPrintheadElement, "bad printhead element"),
            (.printheadDetectionError, "printhead detection error"),
            (.invalidFirmwareConfiguration, "invalid firmware configuration"),
            (.printheadThermistorOpen, "printhead thermistor open"), (.paperJamDuringRetract, "paper jam during retract"),
            (.presenterNotRunning, "presenter not running"), (.paperFeedError, "paper feed error"),
            (.clearPaperPathFailed, "clear paper path failed"), (.paused, "paused"),
            (.retractTimedOut, "retract function timed out"), (.blackMarkCalibrateError, "black mark calibrate error"),
            (.blackMarkNotFound, "black mark not found"),
        ]
    }

    /// Warning bits of group 1, named after the guide's table.
    public struct Warnings: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let needToCalibrateMedia = Warnings(rawValue: 0x0000_0001)
        public static let cleanPrinthead = Warnings(rawValue: 0x0000_0002)
        public static let replacePrinthead = Warnings(rawValue: 0x0000_0004)
        public static let paperNearEnd = Warnings(rawValue: 0x0000_0008)
        /// Bits 0x10–0x800 report sensor states (paper before head, black mark, …), not problems.
        public static let sensorStates = Warnings(rawValue: 0x0000_0FF0)
    }

    /// The error flag (first field): 1 when any error is present.
    public var errorFlag: Bool
    /// Error group 1.
    public var errors: Errors
    /// Error group 2 (reserved in the guide; kept so unknown bits are not lost).
    public var errorGroup2: UInt32
    /// The warning flag.
    public var warningFlag: Bool
    /// Warning group 1.
    public var warnings: Warnings
    /// Warning group 2.
    public var warningGroup2: UInt32

    /// Names of the set error bits, plus the hex of bits the guide does not name.
    public var errorNames: [String] {
        var names = Errors.names.filter { errors.contains($0.0) }.map(\.1)
        let known = Errors.names.reduce(UInt32(0)) { $0 | $1.0.rawValue }
        let unknown = errors.rawValue & ~known
        if unknown != 0 { names.append("error bits 0x" + String(unknown, radix: 16)) }
        if errorGroup2 != 0 { names.append("group 2 error bits 0x" + String(errorGroup2, radix: 16)) }
        return names
    }

    /// Parses the payload of the `~HQES` frame (without `<STX>`/`<ETX>`).
    public init(payload: [UInt8]) throws(StatusReplyError) {
        let query = "~HQES"
        let text = String(decoding: payload, as: UTF8.self)
        func section(_ name: String) throws(StatusReplyError) -> (Bool, UInt32, UInt32) {
            let line = text.split(whereSeparator: \.isNewline)
                .first { $0.trimmingCharacters(in: .whitespaces).uppercased().hasPrefix(name) }
            guard let line else { throw .malformedSection(query: query, section: name, text: text) }
            let tokens = line.trimmingCharacters(in: .whitespaces).dropFirst(name.count)
                .split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard tokens.count >= 3, tokens[0] == "0" || tokens[0] == "1",
                  tokens[1].count <= 8, tokens[2].count <= 8,
                  let group2 = UInt32(tokens[1], radix: 16), let group1 = UInt32(tokens[2], radix: 16) else {
                throw .malformedSection(query: query, section: name, text: String(line))
            }
            return (tokens[0] == "1", group2, group1)
        }
        let (errorFlag, errorGroup2, errors) = try section("ERRORS:")
        let (warningFlag, warningGroup2, warnings) = try section("WARNINGS:")
        self.errorFlag = errorFlag
        self.errors = Errors(rawValue: errors)
        self.errorGroup2 = errorGroup2
        self.warningFlag = warningFlag
        self.warnings = Warnings(rawValue: warnings)
        self.warningGroup2 = warningGroup2
    }

    /// Parses a complete `~HQES` reply as it came off the wire.
    public static func parse(_ bytes: [UInt8]) throws(StatusReplyError) -> ZPLHostQueryStatus {
        var decoder = ZPLStatusDecoder(expecting: .errorsOnly)
        guard let reply = try decoder.feed(bytes), let errors = reply.errors else {
            throw .incomplete(query: "~HQES", framesReceived: decoder.framesReceived, framesExpected: 1)
        }
        return errors
    }
}

/// What one ZPL status query returned.
public struct ZPLStatusReply: Sendable, Hashable {
    /// The `~HS` answer, when it was asked for.
    public var hostStatus: ZPLHostStatus?
    /// The `~HQES` answer, when it was asked for.
    public var errors: ZPLHostQueryStatus?
}

/// Incremental decoder for ZPL status replies: feed bytes as they arrive, in any pieces; it
/// returns the reply once all expected frames are in. Pure: no I/O, no clock.
public struct ZPLStatusDecoder: Sendable {
    /// Which queries were sent, in order.
    public enum Expecting: Sendable, Hashable {
        /// `~HS`: three frames.
        case hostStatus
        /// `~HS~HQES` sent together: three frames, then one.
        case hostStatusAndErrors
        /// `~HQES`: one frame.
        case errorsOnly

        var frameCount: Int {
            switch self {
            case .hostStatus: return 3
            case .hostStatusAndErrors: return 4
            case .errorsOnly: return 1
            }
        }

        /// The bytes to send for this query.
        public var command: [UInt8] {
            switch self {
            case .hostStatus: return Array("~HS".utf8)
            case .hostStatusAndErrors: return Array("~HS~HQES".utf8)
            case .errorsOnly: return Array("~HQES".utf8)
            }
        }

        /// The query's name in messages and ``StatusEvidence``.
        public var name: String {
            switch self {
            case .hostStatus: return "~HS"
            case .hostStatusAndErrors: return "~HS ~HQES"
            case .errorsOnly: return "~HQES"
            }
        }
    }

    public let expecting: Expecting
    private var splitter: STXFrameSplitter
    private var frames: [[UInt8]] = []
    private var done = false

    public init(expecting: Expecting) {
        self.expecting = expecting
        splitter = STXFrameSplitter(query: expecting.name)
    }

    /// Frames completed so far.
    public var framesReceived: Int { frames.count }
    /// Bytes skipped outside frames (line ends and noise).
    public var skippedBytes: Int { splitter.skipped }

    /// Feeds bytes; returns the reply when complete (and `nil` for every later call).
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) throws(StatusReplyError) -> ZPLStatusReply? where Bytes.Element == UInt8 {
        guard !done else { return nil }
        for byte in bytes {
            guard let frame = try splitter.feed(byte) else { continue }
            frames.append(frame)
            if frames.count == expecting.frameCount {
                done = true
                return try reply()
            }
        }
        return nil
    }

    private func reply() throws(StatusReplyError) -> ZPLStatusReply {
        switch expecting {
        case .hostStatus:
            return ZPLStatusReply(hostStatus: try ZPLHostStatus(lines: frames), errors: nil)
        case .hostStatusAndErrors:
            return ZPLStatusReply(hostStatus: try ZPLHostStatus(lines: Array(frames.prefix(3))),
                                  errors: try ZPLHostQueryStatus(payload: frames[3]))
        case .errorsOnly:
            return ZPLStatusReply(hostStatus: nil, errors: try ZPLHostQueryStatus(payload: frames[0]))
        }
    }
}

extension PrinterStatus {
    /// Merges what a ZPL printer reported into one status. `~HQES` adds conditions `~HS` does
    /// not have (cutter fault, over-temperature) and warnings (paper near end).
    public init(zpl reply: ZPLStatusReply, query: String) {
        var faults: [PrinterCondition] = []
        var warnings: [PrinterWarning] = []
        var notes: [String] = []
        if let hs = reply.hostStatus {
            var said: [String] = []
            if hs.paperOut { faults.append(.paperOut); said.append("paper out") }
            if hs.headUp { faults.append(.headOpen); said.append("head open") }
            if hs.ribbonOut { faults.append(.ribbonOut); said.append("ribbon out") }
            if hs.paused { faults.append(.paused); said.append("paused") }
            if hs.bufferFull { faults.append(.bufferFull); said.append("receive buffer full") }
            if hs.overTemperature { faults.append(.hardwareError); said.append("over temperature") }
            if hs.underTemperature { warnings.append(.headCold); said.append("under temperature") }
            if hs.corruptRAM { warnings.append(.settingsLost); said.append("corrupt RAM") }
            if hs.partialFormat { said.append("partial format in progress") }
            said.append("\(hs.formatsInBuffer) format(s) in buffer")
            if hs.labelsRemaining > 0 { said.append("\(hs.labelsRemaining) label(s) remaining in batch") }
            notes.append("~HS: " + said.joined(separator: ", "))
        }
        if let hq = reply.errors {
            let errors = hq.errors
            if errors.contains(.mediaOut) { faults.append(.paperOut) }
            if errors.contains(.ribbonOut) { faults.append(.ribbonOut) }
            if errors.contains(.headOpen) { faults.append(.headOpen) }
            if errors.contains(.paused) { faults.append(.paused) }
            let hardware = errors.subtracting([.mediaOut, .ribbonOut, .headOpen, .paused])
            if !hardware.isEmpty || hq.errorGroup2 != 0 || (hq.errorFlag && errors.isEmpty) { faults.append(.hardwareError) }
            if hq.warnings.contains(.needToCalibrateMedia) { warnings.append(.calibrationNeeded) }
            if hq.warnings.contains(.cleanPrinthead) { warnings.append(.cleanPrinthead) }
            if hq.warnings.contains(.replacePrinthead) { warnings.append(.replacePrinthead) }
            if hq.warnings.contains(.paperNearEnd) { warnings.append(.paperNearEnd) }
            let names = hq.errorNames
            notes.append("~HQES: " + (names.isEmpty ? (hq.errorFlag ? "error flag set, no bits" : "no errors") : names.joined(separator: ", ")))
        }
        self.init(faults: faults, warnings: warnings, detail: notes.joined(separator: "; "),
                  labelsRemaining: reply.hostStatus?.labelsRemaining, formatsInBuffer: reply.hostStatus?.formatsInBuffer,
                  evidence: .reply(query: query))
    }
}
