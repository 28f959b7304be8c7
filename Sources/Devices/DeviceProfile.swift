import Foundation
import TOMLKit
import TOMLReading

/// One device family as described by a file in `Drivers/`: how to recognise it on USB and how to talk to it.
public struct DeviceProfile: Sendable, Equatable {
    public enum Kind: String, Sendable { case printer, scanner }

    /// File name without extension, used as the profile's id in configuration (`profile = "zebra-zd"`).
    public let id: String
    public let name: String
    public let kind: Kind
    /// `vendor:product` pairs in lowercase hex, e.g. "0a5f:0100".
    public let usbIDs: [String]
    /// Printer language ("zpl", "escpos") or scanner protocol ("hid-keyboard", "hid-pos", "serial").
    public let protocolName: String
    public let dpi: Int?
    public let widthMM: Double?
    public let quirks: [String]
    public let file: String

    public func matches(vendorID: UInt16, productID: UInt16) -> Bool {
        let exact = String(format: "%04x:%04x", vendorID, productID)
        let anyProduct = String(format: "%04x:*", vendorID)
        return usbIDs.contains(exact) || usbIDs.contains(anyProduct)
    }
}

public struct DeviceProfileError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

/// All profiles found in a `Drivers/` folder.
public struct DeviceProfileRegistry: Sendable {
    public let profiles: [DeviceProfile]

    public init(profiles: [DeviceProfile]) { self.profiles = profiles }

    /// Reads every `*.toml` in `directory` (sorted, so matching is deterministic).
    public init(directory: URL) throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        profiles = try files.filter { $0.hasSuffix(".toml") }.sorted().map {
            try Self.parse(file: directory.appendingPathComponent($0).path)
        }
    }

    /// The folder used when none is named: `$STATION_DRIVERS`, `./Drivers`, `/usr/share/station/Drivers`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let d = environment["STATION_DRIVERS"], !d.isEmpty { return URL(fileURLWithPath: d) }
        for c in ["Drivers", "/usr/share/station/Drivers"] where FileManager.default.fileExists(atPath: c) {
            return URL(fileURLWithPath: c)
        }
        return URL(fileURLWithPath: "Drivers")
    }

    public func match(vendorID: UInt16, productID: UInt16) -> DeviceProfile? {
        profiles.first { $0.matches(vendorID: vendorID, productID: productID) }
    }

    public func profile(id: String) -> DeviceProfile? { profiles.first { $0.id == id } }

    static func parse(file: String) throws -> DeviceProfile {
        func fail(_ m: String) -> DeviceProfileError { DeviceProfileError(file: file, message: m) }
        let text: String
        do { text = try String(contentsOfFile: file, encoding: .utf8) } catch { throw fail("cannot read: \(error.localizedDescription)") }
        let t: TOMLTable
        do { t = try TOMLReading.table(from: text) } catch {
            throw fail("line \(error.line): \(error.message)")
        }
        guard let name = t["name"]?.string else { throw fail("missing name = \"...\"") }
        guard let kindText = t["kind"]?.string, let kind = DeviceProfile.Kind(rawValue: kindText) else {
            throw fail("kind must be \"printer\" or \"scanner\"")
        }
        guard let proto = t["protocol"]?.string else { throw fail("missing protocol = \"...\"") }
        let ids = (t["usb"]?.array.map { Array($0) } ?? []).compactMap { $0.string?.lowercased() }
        for id in ids where id.range(of: #"^[0-9a-f]{4}:([0-9a-f]{4}|\*)$"#, options: .regularExpression) == nil {
            throw fail("usb id \"\(id)\" must look like \"0a5f:0100\"")
        }
        let quirks = (t["quirks"]?.array.map { Array($0) } ?? []).compactMap { $0.string }
        let id = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        return DeviceProfile(id: id, name: name, kind: kind, usbIDs: ids, protocolName: proto,
                             dpi: t["dpi"]?.int, widthMM: t["width_mm"]?.double ?? t["width_mm"]?.int.map(Double.init),
                             quirks: quirks, file: file)
    }
}
