import Foundation
import Testing
@testable import Devices

/// SplitMix64: a small seeded generator so fuzz runs are reproducible.
struct ScannerFuzzGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Boot keyboard reports (HID 1.11 Appendix B.1) for tests.
enum KeyReport {
    static let leftCtrl: UInt8 = 0x01, leftShift: UInt8 = 0x02, leftAlt: UInt8 = 0x04, leftGUI: UInt8 = 0x08
    static let rightShift: UInt8 = 0x20, rightAlt: UInt8 = 0x40

    /// Keys `usages` held with `modifiers`.
    static func down(_ modifiers: UInt8, _ usages: UInt8...) -> [UInt8] {
        precondition(usages.count <= 6)
        return [modifiers, 0] + usages + [UInt8](repeating: 0, count: 6 - usages.count)
    }

    static let up: [UInt8] = [UInt8](repeating: 0, count: 8)
    /// ErrorRollOver in every slot (HUT 0x07 usage 0x01): too many keys, state unknown.
    static let rollOver: [UInt8] = [0, 0, 1, 1, 1, 1, 1, 1]

    /// Press and release.
    static func tap(_ modifiers: UInt8, _ usage: UInt8) -> [[UInt8]] {
        [down(modifiers, usage), up]
    }

    /// How a simulated scanner sends consecutive keys.
    enum Style: CaseIterable {
        /// Press, release, press, release.
        case releaseEach
        /// The next key goes down before the previous one comes up.
        case rollover
        /// Every report is sent twice (interrupt endpoints repeat unchanged reports).
        case repeated
    }

    /// The key (usage, modifiers) that types `character` on `layout`, preferring fewer modifiers.
    static func chord(for character: Character, layout: HIDKeyboardLayout) -> (usage: UInt8, modifiers: UInt8)? {
        switch character {
        case "\u{1D}": return (0x30, leftCtrl)
        case "\r": return (0x28, 0)
        case "\t": return (0x2B, 0)
        default: break
        }
        let usages: [UInt8] = Array(0x04...0x38) + [0x64]
        for (shift, altGr) in [(false, false), (true, false), (false, true), (true, true)] {
            for usage in usages where layout.output(usage: usage, shift: shift, altGr: altGr) == .character(character) {
                return (usage, (shift ? leftShift : 0) | (altGr ? rightAlt : 0))
            }
        }
        return nil
    }

    /// Reports that type `text` on `layout` in `style`.
    static func typing(_ text: String, layout: HIDKeyboardLayout, style: Style = .releaseEach) -> [[UInt8]] {
        var reports: [[UInt8]] = []
        var held: UInt8?
        var lastKeys: [UInt8] = []
        for character in text {
            guard let chord = chord(for: character, layout: layout) else {
                preconditionFailure("\(layout.id) cannot type \(character.unicodeScalars.map { String($0.value, radix: 16) })")
            }
            switch style {
            case .releaseEach:
                reports += tap(chord.modifiers, chord.usage)
            case .repeated:
                reports += [down(chord.modifiers, chord.usage), down(chord.modifiers, chord.usage), up, up]
            case .rollover:
                // The new key goes down while the previous one is still held; every other key is
                // up by then. A key must be released before it can be pressed again.
                if let previous = held, !lastKeys.contains(chord.usage) {
                    reports.append(down(chord.modifiers, previous, chord.usage))
                    lastKeys = [previous, chord.usage]
                } else {
                    if held != nil { reports.append(up) }
                    reports.append(down(chord.modifiers, chord.usage))
                    lastKeys = [chord.usage]
                }
                held = chord.usage
            }
        }
        if style == .rollover, held != nil { reports.append(up) }
        return reports
    }
}

/// Shorthands for expected decoder output.
func scan(_ text: String, _ symbology: String? = nil) -> DecodedScan {
    .scan(bytes: Array(text.utf8), symbology: symbology.flatMap { AIMIdentifier(bytes: Array($0.utf8)) })
}

func rejected(_ reason: ScanRejectionReason, _ prefix: String) -> DecodedScan {
    .rejected(reason, prefix: Array(prefix.utf8))
}

func rejected(_ reason: ScanRejectionReason, bytes prefix: [UInt8]) -> DecodedScan {
    .rejected(reason, prefix: prefix)
}

/// Collects a reader's events on a task so tests can wait for particular ones.
final class ScannerEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ScannerEvent] = []
    private var finished = false
    private var task: Task<Void, Never>?

    init(_ stream: AsyncStream<ScannerEvent>) {
        task = Task { [weak self] in
            for await event in stream { self?.append(event) }
            self?.finish()
        }
    }

    private func append(_ event: ScannerEvent) {
        lock.lock()
        events.append(event)
        lock.unlock()
    }

    private func finish() {
        lock.lock()
        finished = true
        lock.unlock()
    }

    var all: [ScannerEvent] {
        lock.lock()
        defer { lock.unlock() }
        return events
    }

    var isFinished: Bool {
        lock.lock()
        defer { lock.unlock() }
        return finished
    }

    var scans: [String] {
        all.compactMap { if case let .scan(input) = $0 { return input.text } else { return nil } }
    }

    var states: [ScannerConnectionState] {
        all.compactMap { if case let .status(status) = $0 { return status.state } else { return nil } }
    }

    var rejections: [ScanRejection] {
        all.compactMap { if case let .rejected(rejection) = $0 { return rejection } else { return nil } }
    }

    /// Waits until `condition` holds for the events so far; fails the test after `timeout`.
    @discardableResult
    func wait(for what: String, timeout: Duration = .seconds(10), sourceLocation: SourceLocation = #_sourceLocation,
              _ condition: ([ScannerEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition(all) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        // A sleep on a busy machine can overshoot the deadline: look once more before failing.
        if condition(all) { return true }
        Issue.record("timed out waiting for \(what); events: \(all)", sourceLocation: sourceLocation)
        return false
    }

    /// Waits for a status matching `predicate` after the first `after` statuses.
    @discardableResult
    func waitForState(_ what: String, after: Int = 0, timeout: Duration = .seconds(10),
                      sourceLocation: SourceLocation = #_sourceLocation,
                      _ predicate: @escaping (ScannerConnectionState) -> Bool) async -> Bool {
        await wait(for: what, timeout: timeout, sourceLocation: sourceLocation) { events in
            events.compactMap { if case let .status(status) = $0 { return status.state } else { return nil } }
                .dropFirst(after).contains(where: predicate)
        }
    }
}

extension ScannerConnectionState {
    var isConnected: Bool { if case .connected = self { return true } else { return false } }
    var isDisconnected: Bool { if case .disconnected = self { return true } else { return false } }
    var isWaiting: Bool { if case .waitingForDevice = self { return true } else { return false } }
}
