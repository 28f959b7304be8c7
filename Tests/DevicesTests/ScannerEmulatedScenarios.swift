import Devices
import Foundation

/// The device side of `emulation/scanner_harness.py`: runs a real scanner reader (libusb through
/// the USB module) against the emulated scanners and prints every ``ScannerEvent`` as a
/// `USBCHECK {json}` line for the harness to judge, together with what the devices saw.
///
/// Only the public API of Devices is used, as the station uses it.
enum ScannerEmulatedScenarios {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let names = ["keyboard", "keyboard-fr", "replug", "hidpos", "hidpos-fallback", "access"]

    static func run(_ name: String) async throws {
        switch name {
        case "keyboard":
            // Two scans, the repeated read and the F1 rejection.
            await read(source: .hid, address: "05e0:1200", layout: .us) { $0.items >= 4 }
        case "keyboard-fr":
            await read(source: .hid, address: "05e0:1200", layout: .fr) { $0.items >= 2 }
        case "replug":
            await read(source: .hid, address: "05e0:1200", layout: .us, timeout: .seconds(30)) { $0.scans >= 2 }
        case "hidpos":
            await read(source: .hidpos, address: "0c2e:0b6a", layout: .us) { $0.items >= 2 }
        case "hidpos-fallback":
            await read(source: .hidpos, address: "05e0:1300", layout: .us) { $0.items >= 1 }
        case "access":
            await read(source: .hid, address: "05e0:1200", layout: .us) { $0.permissionDenied }
        default:
            throw Failure(description: "unknown scenario \(name); known: \(names.joined(separator: ", "))")
        }
    }

    struct Progress {
        var items = 0
        var scans = 0
        var permissionDenied = false
    }

    /// Reads until `done` says so (or `timeout`), printing every event.
    static func read(source: ScannerSourceKind, address: String, layout: HIDKeyboardLayout, timeout: Duration = .seconds(15),
                     done: @escaping (Progress) -> Bool) async {
        let settings = ScannerSettings(layout: layout, debounce: .seconds(2), reconnectInterval: .milliseconds(200),
                                       pollInterval: .milliseconds(50))
        let reader: any ScannerReader
        do {
            reader = try ScannerSource.open(name: "emulated", source: source, address: address, settings: settings)
        } catch {
            emit(["event": "configurationError", "detail": "\(error)"])
            return
        }
        emit(["event": "started"])
        let deadline = Task {
            try? await Task.sleep(for: timeout)
            if !Task.isCancelled {
                emit(["event": "timeout"])
                reader.stop()
            }
        }
        var progress = Progress()
        var ready = false
        for await event in reader.events {
            switch event {
            case let .scan(input):
                progress.items += 1
                progress.scans += 1
                emit(["event": "scan", "text": input.text, "symbology": input.symbology?.text, "scanner": input.scanner])
            case let .duplicate(input):
                progress.items += 1
                emit(["event": "duplicate", "text": input.text])
            case let .rejected(rejection):
                progress.items += 1
                emit(["event": "rejected", "reason": caseName(rejection.reason), "detail": rejection.reason.description,
                      "prefix": String(decoding: rejection.prefix, as: UTF8.self)])
            case let .status(status):
                var record: [String: Any?] = ["event": "status", "state": caseName(status.state), "detail": status.state.description]
                if case let .connected(device) = status.state { record["device"] = device }
                if case let .permissionDenied(path, _) = status.state {
                    record["path"] = path
                    progress.permissionDenied = true
                }
                emit(record)
                if case .connected = status.state, !ready {
                    ready = true
                    emit(["event": "ready"])
                }
            }
            if done(progress) { reader.stop() }
        }
        deadline.cancel()
        emit(["event": "finished"])
    }

    static func caseName(_ state: ScannerConnectionState) -> String {
        switch state {
        case .waitingForDevice: return "waitingForDevice"
        case .connected: return "connected"
        case .disconnected: return "disconnected"
        case .permissionDenied: return "permissionDenied"
        case .busy: return "busy"
        case .unusable: return "unusable"
        case .stopped: return "stopped"
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

    /// One `USBCHECK {json}` line, flushed so the harness sees it while the reader runs.
    static func emit(_ object: [String: Any?]) {
        let cleaned = object.mapValues { $0 ?? NSNull() }
        guard let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]) else {
            print("USBCHECK {\"event\":\"unencodable\"}")
            return
        }
        print("USBCHECK " + String(decoding: data, as: UTF8.self))
        fflush(nil)
    }
}
