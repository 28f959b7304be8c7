import ArgumentParser
import Devices
import Foundation

struct UdevRulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "udev-rules", abstract: "Print udev rules for every device profile in Drivers/ (checked in as Config/udev/60-station.rules).")

    @Option(help: "Folder of device profiles.") var drivers: String?
    @Option(help: "Group that gets access.") var group = "station"

    func run() throws {
        let registry = try DeviceProfileRegistry(directory: drivers.map { URL(fileURLWithPath: $0) } ?? DeviceProfileRegistry.defaultDirectory())
        print(UdevRules.generate(from: registry, group: group), terminator: "")
    }
}
