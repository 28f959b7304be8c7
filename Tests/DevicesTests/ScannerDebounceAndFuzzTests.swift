import Foundation
import Testing
@testable import Devices

/// The same code within the window is one scan; the clock is whatever the caller passes in.
@Suite struct ScannerDebounceTests {
    struct Step: Sendable {
        let id: Int
        let code: String
        let at: Duration
        let expected: ScanDebouncer.Decision
    }

    static let steps: [Step] = [
        Step(id: 1, code: "A", at: .zero, expected: .accept),
        Step(id: 2, code: "A", at: .seconds(1), expected: .duplicate(since: .seconds(1))),
        Step(id: 3, code: "A", at: .milliseconds(2_500), expected: .duplicate(since: .milliseconds(1_500))),
        Step(id: 4, code: "B", at: .seconds(3), expected: .accept),
        Step(id: 5, code: "A", at: .milliseconds(3_200), expected: .duplicate(since: .milliseconds(700))),
        Step(id: 6, code: "B", at: .seconds(4), expected: .duplicate(since: .seconds(1))),
        Step(id: 7, code: "A", at: .milliseconds(5_200), expected: .accept),
        Step(id: 8, code: "A", at: .milliseconds(7_199), expected: .duplicate(since: .milliseconds(1_999))),
        Step(id: 9, code: "A", at: .milliseconds(9_199), expected: .accept),
    ]

    @Test func slidingWindowTable() {
        var debouncer = ScanDebouncer(window: .seconds(2))
        for step in Self.steps {
            #expect(debouncer.admit(Array(step.code.utf8), at: step.at) == step.expected, "step \(step.id)")
        }
    }

    @Test func zeroWindowAcceptsEverything() {
        var debouncer = ScanDebouncer(window: .zero)
        #expect(debouncer.admit([1], at: .zero) == .accept)
        #expect(debouncer.admit([1], at: .zero) == .accept)
    }

    @Test func capacityEvictsTheOldest() {
        var debouncer = ScanDebouncer(window: .seconds(10), capacity: 2)
        #expect(debouncer.admit([1], at: .seconds(1)) == .accept)
        #expect(debouncer.admit([2], at: .seconds(2)) == .accept)
        #expect(debouncer.admit([3], at: .seconds(3)) == .accept)
        #expect(debouncer.admit([2], at: .seconds(4)) == .duplicate(since: .seconds(2)))
        #expect(debouncer.admit([1], at: .seconds(5)) == .accept, "1 was evicted for 3")
        debouncer.reset()
        #expect(debouncer.admit([2], at: .seconds(6)) == .accept)
    }
}

/// Garbage in, rejections out: seeded random reports and bytes never crash a decoder, never yield
/// a scan that breaks the rules, and never keep more than the limit.
@Suite struct ScannerFuzzTests {
    static func checkInvariants(_ output: [DecodedScan], framing: ScanFraming, sourceLocation: SourceLocation = #_sourceLocation) {
        for item in output {
            switch item {
            case let .scan(bytes, _):
                #expect(!bytes.isEmpty && bytes.count <= framing.maxLength, sourceLocation: sourceLocation)
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    Issue.record("scan is not UTF-8: \(bytes)", sourceLocation: sourceLocation)
                    continue
                }
                for scalar in text.unicodeScalars where scalar.value < 0x20 || (0x7F..<0xA0).contains(scalar.value) {
                    #expect(ScanValidator.allowedControls.contains(scalar.value), "control \(scalar.value) in a scan",
                            sourceLocation: sourceLocation)
                }
            case let .rejected(_, prefix):
                #expect(prefix.count <= ScanRejection.prefixLimit, sourceLocation: sourceLocation)
            }
        }
    }

    static func caseName(_ reason: ScanRejectionReason) -> String {
        switch reason {
        case .tooLong: return "tooLong"
        case .invalidUTF8: return "invalidUTF8"
        case .controlCharacter: return "controlCharacter"
        case .unmappedKey: return "unmappedKey"
        case .unsupportedAltCode: return "unsupportedAltCode"
        case .incomplete: return "incomplete"
        case .malformedReport: return "malformedReport"
        case .missingSymbologyIdentifier: return "missingSymbologyIdentifier"
        case .empty: return "empty"
        }
    }

    @Test(arguments: [HIDKeyboardLayout.us, .fr, .de])
    func randomKeyboardReports(layout: HIDKeyboardLayout) {
        var random = ScannerFuzzGenerator(seed: 0x5CA7_0001)
        let framing = ScanFraming(maxLength: 64)
        var decoder = HIDKeyboardDecoder(configuration: .init(layout: layout, framing: framing))
        var output: [DecodedScan] = []
        var time = Duration.zero
        for _ in 0..<10_000 {
            var report = [UInt8](repeating: 0, count: 8)
            let kind = Int.random(in: 0..<10, using: &random)
            switch kind {
            case 0:  // anything at all, any length
                report = (0..<Int.random(in: 0...12, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            case 1:
                report = KeyReport.up
            default:  // plausible keys, modifiers and the odd terminator
                report[0] = [0, 0, 0, KeyReport.leftShift, KeyReport.rightAlt, KeyReport.leftCtrl, KeyReport.leftAlt].randomElement(using: &random)!
                report[2] = UInt8.random(in: 0x04...0x65, using: &random)
                if Int.random(in: 0..<4, using: &random) == 0 { report[3] = UInt8.random(in: 0x00...0x65, using: &random) }
            }
            time += .milliseconds(Int.random(in: 0...700, using: &random))
            output += decoder.feed(report: report, at: time)
        }
        output += decoder.finish()
        Self.checkInvariants(output, framing: framing)
        #expect(output.contains { if case .scan = $0 { return true } else { return false } }, "some random input is a valid scan")
        #expect(output.contains { if case .rejected = $0 { return true } else { return false } })
    }

    @Test func randomHIDPOSReports() {
        var random = ScannerFuzzGenerator(seed: 0x5CA7_0002)
        let framing = ScanFraming(maxLength: 200)
        var decoder = HIDPOSDecoder(configuration: .init(framing: framing))
        var output: [DecodedScan] = []
        var time = Duration.zero
        for _ in 0..<10_000 {
            var report = (0..<64).map { _ in UInt8.random(in: 0...255, using: &random) }
            switch Int.random(in: 0..<6, using: &random) {
            case 0: report = Array(report.prefix(Int.random(in: 0...63, using: &random)))
            case 1: break
            default:
                report[0] = 2
                report[1] = UInt8.random(in: 0...60, using: &random)
                for index in 5..<61 { report[index] = UInt8.random(in: 0x20...0x7E, using: &random) }
                report[63] = UInt8.random(in: 0...1, using: &random)
            }
            // Mostly back-to-back reports, now and then a pause longer than the timeout.
            time += Int.random(in: 0..<20, using: &random) == 0 ? .seconds(1) : .milliseconds(Int.random(in: 0...50, using: &random))
            output += decoder.feed(report: report, at: time)
        }
        output += decoder.finish()
        Self.checkInvariants(output, framing: framing)
        let reasons = Set(output.compactMap { item -> String? in
            guard case let .rejected(reason, _) = item else { return nil }
            return Self.caseName(reason)
        })
        #expect(output.contains { if case .scan = $0 { return true } else { return false } })
        #expect(reasons.isSuperset(of: ["tooLong", "incomplete", "malformedReport", "invalidUTF8"]), "\(reasons)")
    }

    @Test func randomBytesThroughTheFramer() {
        var random = ScannerFuzzGenerator(seed: 0x5CA7_0003)
        let framing = ScanFraming(maxLength: 16)
        var framer = ScanFramer(framing: framing)
        var output: [DecodedScan] = []
        for index in 0..<100_000 {
            // Mostly printable with some terminators, some high bytes and some controls.
            let byte: UInt8
            switch Int.random(in: 0..<20, using: &random) {
            case 0: byte = 0x0D
            case 1: byte = 0x0A
            case 2: byte = UInt8.random(in: 0x80...0xFF, using: &random)
            case 3: byte = UInt8.random(in: 0x00...0x1F, using: &random)
            default: byte = UInt8.random(in: 0x20...0x7E, using: &random)
            }
            output += framer.feed(byte, at: .microseconds(index))
        }
        output += framer.finish()
        Self.checkInvariants(output, framing: framing)
        let reasons = Set(output.compactMap { item -> String? in
            guard case let .rejected(reason, _) = item else { return nil }
            return Self.caseName(reason)
        })
        #expect(output.contains { if case .scan = $0 { return true } else { return false } })
        #expect(reasons.isSuperset(of: ["invalidUTF8", "controlCharacter", "tooLong"]), "\(reasons)")
    }
}
