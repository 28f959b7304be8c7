import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a scanner's codes come from (`scanners.NAME.source`).
public enum ScannerSourceKind: String, Sendable, Hashable, CaseIterable {
    /// Standard input: a keyboard-wedge scanner typing into the terminal, or piped codes.
    case stdin
    /// A USB scanner in keyboard (HID boot keyboard) mode, read directly through libusb.
    case hid
    /// A USB scanner in HID POS mode (bar code scanner usage page 0x8C).
    case hidpos
    /// A serial or USB CDC-ACM scanner at a tty path.
    case serial
}

/// Builds the reader for one configured scanner. This is what the station calls:
///
/// ```swift
/// let profile = registry.profile(id: "honeywell-xenon")
/// let reader = try ScannerSource.open(name: "door1", source: .hid, address: "0c2e:0b61",
///                                     profile: profile, debounce: .seconds(2))
/// for await event in reader.events {
///     switch event {
///     case let .scan(input): record(input.bytes, symbology: input.symbology)
///     case let .duplicate(input): show("already scanned: \(input.displayText)")
///     case let .rejected(rejection): show(rejection.reason.vietnamese)
///     case let .status(status): show(status.state.vietnamese)
///     }
/// }
/// ```
///
/// Configuration mistakes throw before anything is opened; everything that can change while
/// the station runs (device absent, unplugged, permissions) arrives as a status event while the
/// reader keeps trying.
public enum ScannerSource {
    /// Starts reading a scanner.
    ///
    /// - Parameters:
    ///   - source: how the scanner is connected.
    ///   - address: `""` or `"-"` for `stdin`; `vendor:product` (hex, optionally `/serial`) for
    ///     `hid` and `hidpos`, or empty to take the profile's USB IDs; a tty path for `serial`.
    ///   - profile: the scanner's profile from `Drivers/`; its `[scanner]` and `[serial]` tables
    ///     override the defaults of ``ScannerSettings``.
    ///   - debounce: the station's `scanners.NAME.debounce`, overriding the settings' window.
    public static func open(name: String, source: ScannerSourceKind, address: String, profile: DeviceProfile? = nil,
                            debounce: Duration? = nil) throws(ScannerConfigurationError) -> any ScannerReader {
        var settings = try profile.map { profile throws(ScannerConfigurationError) in try ScannerSettings(profile: profile) }
            ?? ScannerSettings()
        if let debounce { settings.debounce = debounce }
        return try open(name: name, source: source, address: address, profile: profile, settings: settings)
    }

    /// Starts reading a scanner with explicit settings (the profile only supplies USB IDs).
    public static func open(name: String, source: ScannerSourceKind, address: String, profile: DeviceProfile? = nil,
                            settings: ScannerSettings) throws(ScannerConfigurationError) -> any ScannerReader {
        let trimmed = address.trimmingCharacters(in: .whitespaces)
        switch source {
        case .stdin:
            guard trimmed.isEmpty || trimmed == "-" else {
                throw .invalidAddress(source: source, address: address, expected: "empty or \"-\" (standard input)")
            }
            return FileDescriptorScannerReader(name: name, descriptor: STDIN_FILENO, settings: settings)
        case .hid, .hidpos:
            let match: USBScannerMatch
            if trimmed.isEmpty {
                guard let fromProfile = profile.flatMap(USBScannerMatch.init(profile:)) else {
                    throw .invalidAddress(source: source, address: address,
                                          expected: "vendor:product (e.g. 05e0:1200), or empty with a profile that lists usb ids")
                }
                match = fromProfile
            } else {
                match = try USBScannerMatch(address: trimmed, source: source)
            }
            return USBHIDScannerReader(name: name, match: match, protocol: source == .hid ? .keyboard : .pos, settings: settings)
        case .serial:
            guard trimmed.hasPrefix("/") else {
                throw .invalidAddress(source: source, address: address,
                                      expected: "a device path such as /dev/ttyACM0 or /dev/serial/by-id/…")
            }
            return SerialScannerReader(name: name, path: trimmed, settings: settings)
        }
    }

    /// Like ``open(name:source:address:profile:debounce:)`` but returns only the events; the
    /// reader stops when the consumer stops iterating (or its task is cancelled).
    public static func events(name: String, source: ScannerSourceKind, address: String, profile: DeviceProfile? = nil,
                              debounce: Duration? = nil) throws(ScannerConfigurationError) -> AsyncStream<ScannerEvent> {
        let reader = try open(name: name, source: source, address: address, profile: profile, debounce: debounce)
        return AsyncStream { continuation in
            let forward = Task {
                for await event in reader.events { continuation.yield(event) }
                continuation.finish()
            }
            continuation.onTermination = { _ in
                forward.cancel()
                reader.stop()
            }
        }
    }
}
