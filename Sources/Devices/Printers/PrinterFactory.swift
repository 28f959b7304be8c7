import Foundation
import USB

/// A printer entry of the configuration that cannot be turned into a printer, named by its key.
public struct PrinterConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The printer's name in the configuration (`printers.NAME`).
    public let printer: String
    /// The key at fault, e.g. `address`.
    public let key: String
    /// What is wrong and what to write instead.
    public let message: String

    public init(printer: String, key: String, message: String) {
        self.printer = printer
        self.key = key
        self.message = message
    }

    public var description: String { "printers.\(printer).\(key): \(message)" }
}

/// Turns a configured printer (`[printers.NAME]` in station.toml) into a ``LabelPrinter``.
///
/// It takes plain values so that the configuration code can call it without this module
/// knowing the configuration types. Nothing is opened here: links open on first use, so a
/// printer that is switched off does not stop the station from starting.
public enum PrinterFactory {
    /// How the station reaches the printer (`printers.NAME.driver`).
    public enum Driver: String, Sendable, CaseIterable {
        /// Files under the data folder: bytes and PNG previews.
        case virtual
        /// Raw TCP, `address = "host:port"` (port 9100 when omitted).
        case tcp
        /// USB printer class through libusb, `address = "vvvv:pppp"` or `"vvvv:pppp/SERIAL"`.
        case usb
        /// A device file such as `/dev/usb/lp0` or a serial port, `address = "/dev/usb/lp0"`.
        case file
    }

    /// Builds the printer for one configuration entry.
    ///
    /// - Parameters:
    ///   - profile: a profile id from `Drivers/` or empty; its quirks adjust the driver
    ///     (`status-silent-when-faulted`) and its protocol must match `language`.
    ///   - output: the virtual printer's folder, relative to `dataDirectory`.
    ///   - usbContext: a libusb session to share between USB printers, if the caller has one.
    ///   - options: timeouts and status policy for direct printers; profile quirks are applied on top.
    public static func make(name: String, driver: String, profile: String, language: String, dpi: Int,
                            address: String, output: String, dataDirectory: URL, profiles: DeviceProfileRegistry,
                            usbContext: USBContext? = nil,
                            options: DirectLabelPrinter.Options = DirectLabelPrinter.Options()) throws(PrinterConfigurationError) -> any LabelPrinter {
        func fail(_ key: String, _ message: String) -> PrinterConfigurationError {
            PrinterConfigurationError(printer: name, key: key, message: message)
        }
        guard let kind = Driver(rawValue: driver) else {
            throw fail("driver", "\"\(driver)\" is not a driver; use one of \(Driver.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", "))")
        }
        guard let printerLanguage = PrinterLanguage(rawValue: language) else {
            throw fail("language", "\"\(language)\" is not a printer language; use \"zpl\" or \"escpos\"")
        }
        guard (100...600).contains(dpi) else { throw fail("dpi", "\(dpi) is outside 100–600") }
        var tuned = options
        if !profile.isEmpty {
            guard let found = profiles.profile(id: profile) else {
                let known = profiles.profiles.filter { $0.kind == .printer }.map(\.id).sorted()
                throw fail("profile", "no profile \"\(profile)\" in Drivers/; printer profiles: \(known.joined(separator: ", "))")
            }
            guard found.kind == .printer else { throw fail("profile", "\"\(profile)\" describes a \(found.kind.rawValue), not a printer") }
            guard found.protocolName == printerLanguage.rawValue else {
                throw fail("language", "\"\(language)\" does not match profile \"\(profile)\", whose printers speak \(found.protocolName)")
            }
            if found.quirks.contains("status-silent-when-faulted") { tuned.silentWhenFaulted = true }
        }

        let transport: any PrinterTransport
        switch kind {
        case .virtual:
            let directory = URL(fileURLWithPath: output.isEmpty ? name : output, relativeTo: dataDirectory).standardizedFileURL
            do {
                return try VirtualPrinter(name: name, language: printerLanguage, dpi: dpi, directory: directory)
            } catch {
                throw fail("output", "\(error)")
            }
        case .tcp:
            do {
                transport = try TCPPrinterTransport(address: address, connectTimeout: tuned.connectTimeout)
            } catch {
                throw fail("address", error.description)
            }
        case .usb:
            do {
                transport = try USBPrinterTransport(address: address, context: usbContext)
            } catch {
                throw fail("address", error.description + "; `station devices` lists attached printers")
            }
        case .file:
            let path = address.trimmingCharacters(in: .whitespaces)
            guard path.hasPrefix("/") else {
                throw fail("address", "expected an absolute device path such as /dev/usb/lp0, got \"\(address)\"")
            }
            transport = DeviceFilePrinterTransport(path: path)
        }
        return DirectLabelPrinter(name: name, language: printerLanguage, dpi: dpi, transport: transport, options: tuned)
    }
}
