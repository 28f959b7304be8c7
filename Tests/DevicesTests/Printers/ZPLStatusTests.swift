import Testing
@testable import Devices

/// Decodes `bytes` all at once and one byte at a time; both must agree.
func decodeZPL(_ bytes: [UInt8], expecting: ZPLStatusDecoder.Expecting) -> (whole: Result<ZPLStatusReply?, StatusReplyError>,
                                                                           byteByByte: Result<ZPLStatusReply?, StatusReplyError>) {
    var whole = ZPLStatusDecoder(expecting: expecting)
    let all = Result { () throws(StatusReplyError) in try whole.feed(bytes) }
    var single = ZPLStatusDecoder(expecting: expecting)
    let one = Result { () throws(StatusReplyError) -> ZPLStatusReply? in
        var reply: ZPLStatusReply?
        for byte in bytes {
            if let complete = try single.feed([byte]) { reply = complete }
        }
        return reply
    }
    return (all, one)
}

/// Frames three `~HS` strings as a printer sends them: `<STX>…<ETX><CR><LF>` each.
func hostStatusReply(_ one: String, _ two: String, _ three: String = "1234,0") -> [UInt8] {
    [one, two, three].flatMap { [0x02] + Array($0.utf8) + [0x03, 0x0D, 0x0A] }
}

/// Frames a `~HQES` answer.
func hostQueryReply(errors: String, warnings: String) -> [UInt8] {
    [0x02] + Array("\r\nPRINTER STATUS\r\n   ERRORS:         \(errors)\r\n   WARNINGS:       \(warnings)\r\n".utf8) + [0x03, 0x0D, 0x0A]
}

/// ZPL II Programming Guide, `~HS` (Host Status Return): string 1 `aaa,b,c,dddd,eee,f,g,h,iii,j,k,l`,
/// string 2 `mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www`, string 3 `xxxx,y`.
@Suite struct ZPLHostStatusTests {
    struct Row: Sendable, CustomStringConvertible {
        let number: Int
        let what: String
        let bytes: [UInt8]
        let faults: [PrinterCondition]
        let warnings: [PrinterWarning]
        let check: @Sendable (ZPLHostStatus) -> Bool
        var description: String { "\(number). \(what)" }
    }

    static let ready = "001,0,0,0,1,2,6,0,00000000,1,000"
    static let rows: [Row] = [
        Row(number: 1, what: "ready, thermal transfer, tear-off (all flags 0)",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", ready), faults: [], warnings: [],
            check: { $0.communicationSettings == 30 && $0.labelLengthDots == 1245 && $0.thermalTransfer
                && $0.printMode == "2" && $0.printModeName == "tear-off" && $0.printWidthMode == 6
                && $0.formatWhilePrinting && $0.password == "1234" && !$0.staticRAMInstalled }),
        Row(number: 2, what: "b paper out and c pause", bytes: hostStatusReply("030,1,1,1245,000,0,0,0,000,0,0,0", ready),
            faults: [.paperOut, .paused], warnings: [], check: { $0.paperOut && $0.paused }),
        Row(number: 3, what: "o head up and p ribbon out",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,1,1,1,2,6,0,00000000,1,000"),
            faults: [.headOpen, .ribbonOut], warnings: [], check: { $0.headUp && $0.ribbonOut }),
        Row(number: 4, what: "f buffer full, eee 3 formats, h partial format",
            bytes: hostStatusReply("030,0,0,1245,003,1,0,1,000,0,0,0", ready),
            faults: [.bufferFull], warnings: [], check: { $0.bufferFull && $0.formatsInBuffer == 3 && $0.partialFormat }),
        Row(number: 5, what: "uuuuuuuu 42 labels remaining in batch",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,6,0,00000042,1,000"),
            faults: [], warnings: [], check: { $0.labelsRemaining == 42 }),
        Row(number: 6, what: "l over temperature, k under temperature, j corrupt RAM",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,1,1,1", ready),
            faults: [.hardwareError], warnings: [.headCold, .settingsLost],
            check: { $0.overTemperature && $0.underTemperature && $0.corruptRAM }),
        Row(number: 7, what: "r print mode K (kiosk), y static RAM installed",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,0,K,6,0,00000000,1,002", "0000,1"),
            faults: [], warnings: [], check: { $0.printMode == "K" && $0.printModeName == "kiosk" && !$0.thermalTransfer
                && $0.graphicsStored == 2 && $0.staticRAMInstalled }),
        Row(number: 8, what: "noise before the first <STX> and bare LF line ends are skipped",
            bytes: Array("garbage\r\n".utf8) + hostStatusReply("030,1,0,1245,000,0,0,0,000,0,0,0", ready).filter { $0 != 0x0D },
            faults: [.paperOut], warnings: [], check: { $0.paperOut }),
        Row(number: 9, what: "extra trailing fields from newer firmware are ignored",
            bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0,9,9", ready + ",7"), faults: [], warnings: [],
            check: { !$0.paperOut }),
        Row(number: 10, what: "a frame cut short by a new <STX> is dropped, the next one counts",
            bytes: [0x02] + Array("030,1".utf8) + hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", ready),
            faults: [], warnings: [], check: { !$0.paperOut }),
    ]

    @Test(arguments: rows)
    func validReplies(_ row: Row) throws {
        let (whole, single) = decodeZPL(row.bytes, expecting: .hostStatus)
        #expect(whole == single, "byte-by-byte decoding must match all-at-once")
        let reply = try #require(try whole.get())
        let hs = try #require(reply.hostStatus)
        #expect(row.check(hs))
        let status = PrinterStatus(zpl: reply, query: "~HS")
        #expect(status.faults == row.faults)
        #expect(status.warnings == row.warnings)
        #expect(status.canPrint == row.faults.isEmpty)
        #expect(status.evidence == .reply(query: "~HS"))
        #expect(try ZPLHostStatus.parse(row.bytes) == hs)
    }

    struct BadRow: Sendable, CustomStringConvertible {
        let number: Int
        let what: String
        let bytes: [UInt8]
        let error: StatusReplyError
        var description: String { "\(number). \(what)" }
    }

    static let badRows: [BadRow] = [
        BadRow(number: 1, what: "b is not a digit", bytes: hostStatusReply("030,X,0,1245,000,0,0,0,000,0,0,0", ready),
               error: .notANumber(query: "~HS", line: 1, field: 2, text: "X")),
        BadRow(number: 2, what: "string 2 has 5 fields", bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1"),
               error: .fieldCount(query: "~HS", line: 2, expected: 11, found: 5)),
        BadRow(number: 3, what: "r is two characters", bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,10,6,0,00000000,1,000"),
               error: .notANumber(query: "~HS", line: 2, field: 6, text: "10")),
        BadRow(number: 4, what: "a frame without <ETX> grows past 1024 bytes", bytes: [0x02] + [UInt8](repeating: 0x41, count: 2000),
               error: .frameTooLong(query: "~HS", limit: 1024)),
        BadRow(number: 5, what: "5000 bytes of noise and no frame", bytes: [UInt8](repeating: 0x41, count: 5000),
               error: .tooMuchNoise(query: "~HS", skipped: 4097)),
        BadRow(number: 6, what: "a negative-looking field", bytes: hostStatusReply("030,0,0,-1245,000,0,0,0,000,0,0,0", ready),
               error: .notANumber(query: "~HS", line: 1, field: 4, text: "-1245")),
        BadRow(number: 7, what: "an empty string 3", bytes: hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", ready, ""),
               error: .fieldCount(query: "~HS", line: 3, expected: 2, found: 1)),
    ]

    @Test(arguments: badRows)
    func garbageIsATypedError(_ row: BadRow) {
        let (whole, single) = decodeZPL(row.bytes, expecting: .hostStatus)
        #expect(whole == .failure(row.error))
        #expect(single == .failure(row.error))
    }

    @Test func incompleteRepliesAreNotGuessed() {
        // Strings 1 and 2 only: string 3 (`<STX>1234,0<ETX><CR><LF>`, 10 bytes) never came.
        let two = Array(hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", Self.ready).dropLast(10))
        let (whole, single) = decodeZPL(two, expecting: .hostStatus)
        #expect(whole == .success(nil))
        #expect(single == .success(nil))
        #expect(throws: StatusReplyError.incomplete(query: "~HS", framesReceived: 2, framesExpected: 3)) {
            try ZPLHostStatus.parse(two)
        }
        #expect(throws: StatusReplyError.incomplete(query: "~HS", framesReceived: 0, framesExpected: 3)) {
            try ZPLHostStatus.parse([])
        }
    }
}

/// ZPL II Programming Guide, `~HQ` (Host Query) with `ES`: "Error Flags" and "Warning Flags"
/// tables; each line is a flag, group 2 and group 1 in hexadecimal.
@Suite struct ZPLHostQueryTests {
    struct Row: Sendable, CustomStringConvertible {
        let number: Int
        let errors: String
        let warnings: String
        let faults: [PrinterCondition]
        let warned: [PrinterWarning]
        let names: [String]
        var description: String { "\(number). ERRORS \(errors) WARNINGS \(warnings)" }
    }

    static let rows: [Row] = [
        Row(number: 1, errors: "0 00000000 00000000", warnings: "0 00000000 00000000", faults: [], warned: [], names: []),
        Row(number: 2, errors: "1 00000000 00000005", warnings: "0 00000000 00000000", faults: [.headOpen, .paperOut], warned: [],
            names: ["media out", "head open"]),
        Row(number: 3, errors: "1 00000000 00000002", warnings: "1 00000000 00000008", faults: [.ribbonOut], warned: [.paperNearEnd],
            names: ["ribbon out"]),
        Row(number: 4, errors: "1 00000000 00000008", warnings: "0 00000000 00000000", faults: [.hardwareError], warned: [],
            names: ["cutter fault"]),
        Row(number: 5, errors: "1 00000000 00010000", warnings: "0 00000000 00000000", faults: [.paused], warned: [], names: ["paused"]),
        Row(number: 6, errors: "1 00000000 00400000", warnings: "0 00000000 00000000", faults: [.hardwareError], warned: [],
            names: ["error bits 0x400000"]),
        Row(number: 7, errors: "0 00000000 00000000", warnings: "1 00000000 00000007", faults: [],
            warned: [.calibrationNeeded, .cleanPrinthead, .replacePrinthead], names: []),
        Row(number: 8, errors: "0 00000000 00000000", warnings: "1 00000000 00000030", faults: [], warned: [], names: []),
        Row(number: 9, errors: "1 00000000 00004010", warnings: "0 00000000 00000000", faults: [.hardwareError], warned: [],
            names: ["printhead over temperature", "paper feed error"]),
        Row(number: 10, errors: "1 00000000 0000000c", warnings: "0 00000000 00000000", faults: [.hardwareError, .headOpen],
            warned: [], names: ["head open", "cutter fault"]),
    ]

    @Test(arguments: rows)
    func errorAndWarningBits(_ row: Row) throws {
        let bytes = hostQueryReply(errors: row.errors, warnings: row.warnings)
        let (whole, single) = decodeZPL(bytes, expecting: .errorsOnly)
        #expect(whole == single)
        let reply = try #require(try whole.get())
        let query = try #require(reply.errors)
        #expect(query.errorNames == row.names)
        let status = PrinterStatus(zpl: reply, query: "~HQES")
        #expect(status.faults == row.faults)
        #expect(status.warnings == row.warned)
        #expect(try ZPLHostQueryStatus.parse(bytes) == query)
    }

    struct BadRow: Sendable, CustomStringConvertible {
        let number: Int
        let payload: String
        let section: String
        var description: String { "\(number). \(section)" }
    }

    static let badRows: [BadRow] = [
        BadRow(number: 1, payload: "\r\nPRINTER STATUS\r\n   ERRORS:  0 00000000 00000000\r\n", section: "WARNINGS:"),
        BadRow(number: 2, payload: "\r\nPRINTER STATUS\r\n   ERRORS:  2 00000000 00000000\r\n   WARNINGS: 0 00000000 00000000\r\n", section: "ERRORS:"),
        BadRow(number: 3, payload: "\r\n   ERRORS:  1 00000000 0000000G\r\n   WARNINGS: 0 00000000 00000000\r\n", section: "ERRORS:"),
        BadRow(number: 4, payload: "\r\n   ERRORS:  1 00000000 000000001\r\n   WARNINGS: 0 00000000 00000000\r\n", section: "ERRORS:"),
        BadRow(number: 5, payload: "HELLO", section: "ERRORS:"),
    ]

    @Test(arguments: badRows)
    func malformedSectionsAreTypedErrors(_ row: BadRow) {
        let bytes = [0x02] + Array(row.payload.utf8) + [0x03]
        let (whole, single) = decodeZPL(bytes, expecting: .errorsOnly)
        guard case .failure(.malformedSection(let query, let section, _)) = whole else {
            Issue.record("expected malformedSection, got \(whole)")
            return
        }
        #expect(query == "~HQES" && section == row.section)
        #expect(whole == single)
    }

    @Test func combinedQueryReadsFourFramesInOrder() throws {
        let bytes = hostStatusReply("030,1,0,1245,002,0,0,0,000,0,0,0", ZPLHostStatusTests.ready)
            + hostQueryReply(errors: "1 00000000 00000001", warnings: "1 00000000 00000008")
        let (whole, single) = decodeZPL(bytes, expecting: .hostStatusAndErrors)
        #expect(whole == single)
        let reply = try #require(try whole.get())
        let status = PrinterStatus(zpl: reply, query: "~HS ~HQES")
        #expect(status.faults == [.paperOut])
        #expect(status.warnings == [.paperNearEnd])
        #expect(status.formatsInBuffer == 2)
        #expect(status.detail == "~HS: paper out, 2 format(s) in buffer; ~HQES: media out")
        #expect(ZPLStatusDecoder.Expecting.hostStatusAndErrors.command == Array("~HS~HQES".utf8))
    }
}
