import Testing
@testable import Devices

func decodeESCPOS(_ bytes: [UInt8], functions: [UInt8]) -> (whole: Result<ESCPOSStatusReport?, StatusReplyError>,
                                                           byteByByte: Result<ESCPOSStatusReport?, StatusReplyError>) {
    var whole = ESCPOSStatusDecoder(functions: functions)
    let all = Result { () throws(StatusReplyError) in try whole.feed(bytes) }
    var single = ESCPOSStatusDecoder(functions: functions)
    let one = Result { () throws(StatusReplyError) -> ESCPOSStatusReport? in
        var report: ESCPOSStatusReport?
        for byte in bytes {
            if let complete = try single.feed([byte]) { report = complete }
        }
        return report
    }
    return (all, one)
}

/// Epson ESC/POS Command Reference, `DLE EOT n` (transmit real-time status): one byte per
/// request with fixed bits 0xx1xx10; n = 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor.
@Suite struct ESCPOSStatusTests {
    struct Row: Sendable, CustomStringConvertible {
        let number: Int
        let function: UInt8
        let byte: UInt8
        let what: String
        let check: @Sendable (ESCPOSStatusReport) -> Bool
        var description: String { "\(number). DLE EOT \(function) → 0x\(String(byte, radix: 16)): \(what)" }
    }

    static let rows: [Row] = [
        Row(number: 1, function: 1, byte: 0x12, what: "online", check: { $0.printer == .init(drawerPinHigh: false, offline: false, waitingForOnlineRecovery: false, feedButtonPressed: false) }),
        Row(number: 2, function: 1, byte: 0x1A, what: "bit 3 offline", check: { $0.printer?.offline == true }),
        Row(number: 3, function: 1, byte: 0x16, what: "bit 2 drawer pin high", check: { $0.printer?.drawerPinHigh == true }),
        Row(number: 4, function: 1, byte: 0x32, what: "bit 5 waiting for online recovery", check: { $0.printer?.waitingForOnlineRecovery == true }),
        Row(number: 5, function: 1, byte: 0x52, what: "bit 6 feed button pressed", check: { $0.printer?.feedButtonPressed == true }),
        Row(number: 6, function: 2, byte: 0x16, what: "bit 2 cover open", check: { $0.offlineCause?.coverOpen == true }),
        Row(number: 7, function: 2, byte: 0x1A, what: "bit 3 feeding by button", check: { $0.offlineCause?.feedingByButton == true }),
        Row(number: 8, function: 2, byte: 0x32, what: "bit 5 stopped by paper end", check: { $0.offlineCause?.stoppedByPaperEnd == true }),
        Row(number: 9, function: 2, byte: 0x52, what: "bit 6 error occurred", check: { $0.offlineCause?.errorOccurred == true }),
        Row(number: 10, function: 3, byte: 0x16, what: "bit 2 recoverable error", check: { $0.errorCause?.recoverableError == true }),
        Row(number: 11, function: 3, byte: 0x1A, what: "bit 3 autocutter error", check: { $0.errorCause?.autocutterError == true }),
        Row(number: 12, function: 3, byte: 0x32, what: "bit 5 unrecoverable error", check: { $0.errorCause?.unrecoverableError == true }),
        Row(number: 13, function: 3, byte: 0x52, what: "bit 6 auto-recoverable error", check: { $0.errorCause?.autoRecoverableError == true }),
        Row(number: 14, function: 4, byte: 0x1E, what: "bits 2-3 roll near end", check: { $0.rollPaper == .init(nearEnd: true, paperEnd: false) }),
        Row(number: 15, function: 4, byte: 0x72, what: "bits 5-6 roll paper end", check: { $0.rollPaper == .init(nearEnd: false, paperEnd: true) }),
        Row(number: 16, function: 4, byte: 0x7E, what: "near end and paper end", check: { $0.rollPaper == .init(nearEnd: true, paperEnd: true) }),
    ]

    @Test(arguments: rows)
    func statusBytes(_ row: Row) throws {
        var report = ESCPOSStatusReport()
        try report.record(function: row.function, byte: row.byte)
        #expect(row.check(report))
        let (whole, single) = decodeESCPOS([row.byte], functions: [row.function])
        #expect(whole == .success(report))
        #expect(single == .success(report))
    }

    struct BadRow: Sendable, CustomStringConvertible {
        let number: Int
        let function: UInt8
        let byte: UInt8
        let error: StatusReplyError
        var description: String { "\(number). DLE EOT \(function) → 0x\(String(byte, radix: 16))" }
    }

    static let badRows: [BadRow] = [
        BadRow(number: 1, function: 1, byte: 0x00, error: .invalidStatusByte(function: 1, byte: 0x00)),
        BadRow(number: 2, function: 2, byte: 0xFF, error: .invalidStatusByte(function: 2, byte: 0xFF)),
        BadRow(number: 3, function: 3, byte: 0x13, error: .invalidStatusByte(function: 3, byte: 0x13)),
        BadRow(number: 4, function: 4, byte: 0x92, error: .invalidStatusByte(function: 4, byte: 0x92)),
        BadRow(number: 5, function: 4, byte: 0x02, error: .invalidStatusByte(function: 4, byte: 0x02)),
        BadRow(number: 6, function: 5, byte: 0x12, error: .unsupportedFunction(5)),
        BadRow(number: 7, function: 0, byte: 0x12, error: .unsupportedFunction(0)),
    ]

    @Test(arguments: badRows)
    func badBytesAreTypedErrors(_ row: BadRow) {
        var report = ESCPOSStatusReport()
        #expect(throws: row.error) { try report.record(function: row.function, byte: row.byte) }
        #expect(report == ESCPOSStatusReport(), "a rejected byte changes nothing")
    }

    /// Replies to `DLE EOT 1,2,3,4` in order, with noise (NULs, 0xFF, an Automatic Status Back
    /// packet `10 00 00 00`) that a decoder must step over.
    @Test func streamSkipsNoiseAndKeepsOrder() throws {
        let clean: [UInt8] = [0x1A, 0x36, 0x12, 0x72]
        let noisy: [UInt8] = [0x00, 0x1A, 0xFF, 0x10, 0x00, 0x00, 0x00, 0x36, 0x12, 0x80, 0x72]
        for bytes in [clean, noisy] {
            let (whole, single) = decodeESCPOS(bytes, functions: [1, 2, 3, 4])
            #expect(whole == single)
            let report = try #require(try whole.get())
            let status = PrinterStatus(escpos: report, query: "DLE EOT 1,2,3,4")
            #expect(status.faults == [.headOpen, .paperOut])
            #expect(status.detail == "DLE EOT 1,2,3,4: offline, cover open, stopped by paper end, roll paper end")
        }
        var decoder = ESCPOSStatusDecoder(functions: [1, 2, 3, 4])
        #expect(try decoder.feed(noisy) != nil)
        #expect(decoder.skippedBytes == 7)
        #expect(decoder.request == [0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4])
    }

    @Test func endlessNoiseGivesUp() {
        let (whole, single) = decodeESCPOS([UInt8](repeating: 0x00, count: 100), functions: [1])
        #expect(whole == .failure(.tooMuchNoise(query: "DLE EOT 1", skipped: 65)))
        #expect(single == whole)
        #expect(throws: StatusReplyError.incomplete(query: "DLE EOT 1,2", framesReceived: 1, framesExpected: 2)) {
            try ESCPOSStatusReport.parse([0x12], functions: [1, 2])
        }
    }

    struct MergeRow: Sendable, CustomStringConvertible {
        let number: Int
        let functions: [UInt8]
        let bytes: [UInt8]
        let faults: [PrinterCondition]
        let warnings: [PrinterWarning]
        var description: String { "\(number). \(functions) \(bytes)" }
    }

    static let mergeRows: [MergeRow] = [
        MergeRow(number: 1, functions: [1, 2, 3, 4], bytes: [0x12, 0x12, 0x12, 0x12], faults: [], warnings: []),
        MergeRow(number: 2, functions: [1], bytes: [0x1A], faults: [.paused], warnings: []),
        MergeRow(number: 3, functions: [1, 2, 4], bytes: [0x1A, 0x32, 0x72], faults: [.paperOut], warnings: []),
        MergeRow(number: 4, functions: [1, 2, 3], bytes: [0x1A, 0x52, 0x1A], faults: [.hardwareError], warnings: []),
        MergeRow(number: 5, functions: [1, 4], bytes: [0x12, 0x1E], faults: [], warnings: [.paperNearEnd]),
        MergeRow(number: 6, functions: [], bytes: [], faults: [.unknown], warnings: []),
        MergeRow(number: 7, functions: [1, 3], bytes: [0x1A, 0x52], faults: [.hardwareError], warnings: []),
    ]

    @Test(arguments: mergeRows)
    func mergedIntoOneStatus(_ row: MergeRow) throws {
        let report = try ESCPOSStatusReport.parse(row.bytes, functions: row.functions)
        let status = PrinterStatus(escpos: report, query: ESCPOSStatusDecoder.name(row.functions))
        #expect(status.faults == row.faults)
        #expect(status.warnings == row.warnings)
        #expect(status.condition == (row.faults.first ?? .ready))
    }
}

/// Random bytes into every decoder: each call returns or throws a ``StatusReplyError``; a trap
/// would end the test process.
@Suite struct StatusDecoderRobustnessTests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return state
        }
    }

    @Test func randomInputNeverTraps() {
        var random = Generator(state: 0x5EED)
        var outcomes = [0, 0, 0]  // complete, incomplete, error
        for round in 0..<3000 {
            let length = Int.random(in: 0..<400, using: &random)
            // Bias towards the bytes the decoders care about, so frames actually form.
            let alphabet: [UInt8] = [0x02, 0x03, 0x0D, 0x0A, 0x2C, 0x30, 0x31, 0x12, 0x1A, 0x20, 0x45, 0x52, 0x3A]
            let bytes = (0..<length).map { _ in
                Bool.random(using: &random) ? alphabet.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random)
            }
            let expecting: [ZPLStatusDecoder.Expecting] = [.hostStatus, .errorsOnly, .hostStatusAndErrors]
            var zpl = ZPLStatusDecoder(expecting: expecting[round % 3])
            var escpos = ESCPOSStatusDecoder(functions: [1, 2, 3, 4])
            for decoded in [Result { () throws(StatusReplyError) in try zpl.feed(bytes) != nil },
                            Result { () throws(StatusReplyError) in try escpos.feed(bytes) != nil }] {
                switch decoded {
                case .success(true): outcomes[0] += 1
                case .success(false): outcomes[1] += 1
                case .failure: outcomes[2] += 1
                }
            }
        }
        #expect(outcomes.reduce(0, +) == 6000)
        #expect(outcomes[1] > 0 && outcomes[2] > 0, "the random input reached both the incomplete and the error paths: \(outcomes)")
    }
}
