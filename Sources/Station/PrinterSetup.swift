import Devices
import Foundation

/// Builds the configured printers.
public enum PrinterSetup {
    public static func make(_ config: StationConfig) throws -> [String: any LabelPrinter] {
        var printers: [String: any LabelPrinter] = [:]
        let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
        for p in config.printers {
            let (language, dpi) = resolved(p, profiles: profiles)
            printers[p.name] = try PrinterFactory.make(name: p.name, driver: p.driver.rawValue, profile: p.profile,
                                                       language: language, dpi: dpi, address: p.address,
                                                       output: p.output, dataDirectory: config.dataDirectory, profiles: profiles)
        }
        return printers
    }

    /// The printer's language and resolution: as configured, or, where the configuration leaves
    /// them at their defaults, its profile's (an Epson TM profile says ESC/POS at 180 dpi).
    public static func resolved(_ p: StationConfig.Printer, profiles: DeviceProfileRegistry) -> (language: String, dpi: Int) {
        let profile = p.profile.isEmpty ? nil : profiles.profile(id: p.profile)
        let language = !p.languageSet ? (profile?.protocolName ?? p.language.rawValue) : p.language.rawValue
        let dpi = !p.dpiSet ? (profile?.dpi ?? p.dpi) : p.dpi
        return (language, dpi)
    }

    /// The printable width of a configured printer, from its profile (nil when no profile says).
    public static func printWidthMM(_ name: String, config: StationConfig) -> Double? {
        guard let p = config.printers.first(where: { $0.name == name }), !p.profile.isEmpty else { return nil }
        let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
        return profiles.profile(id: p.profile)?.widthMM
    }

    /// The printer to use when none is named: the only one, or an error listing the choices.
    public static func pick(_ printers: [String: any LabelPrinter], named name: String?) throws -> any LabelPrinter {
        if let name {
            guard let p = printers[name] else { throw StationError.unknownPrinter(name) }
            return p
        }
        guard printers.count == 1, let only = printers.values.first else {
            throw StationError.unknownPrinter(printers.isEmpty ? "(none configured)" : "(several: \(printers.keys.sorted().joined(separator: ", ")); use --printer)")
        }
        return only
    }
}
