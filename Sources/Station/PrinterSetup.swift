import Devices
import Foundation

/// Builds the configured printers.
public enum PrinterSetup {
    public static func make(_ config: StationConfig) throws -> [String: any LabelPrinter] {
        var printers: [String: any LabelPrinter] = [:]
        let profiles = (try? DeviceProfileRegistry(directory: DeviceProfileRegistry.defaultDirectory())) ?? DeviceProfileRegistry(profiles: [])
        for p in config.printers {
            printers[p.name] = try PrinterFactory.make(name: p.name, driver: p.driver.rawValue, profile: p.profile,
                                                       language: p.language.rawValue, dpi: p.dpi, address: p.address,
                                                       output: p.output, dataDirectory: config.dataDirectory, profiles: profiles)
        }
        return printers
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
