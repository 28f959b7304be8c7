import ArgumentParser
import Devices
import Foundation
import USB

struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List USB devices seen by libusb, with the matching profile from Drivers/ and any permission problem.")

    @Option(help: "Folder of device profiles (default: $STATION_DRIVERS, ./Drivers, /usr/share/station/Drivers).")
    var drivers: String?

    @Flag(help: "Only devices that match a profile.")
    var matchedOnly = false

    func run() throws {
        let registry: DeviceProfileRegistry
        do {
            registry = try DeviceProfileRegistry(directory: drivers.map { URL(fileURLWithPath: $0) } ?? DeviceProfileRegistry.defaultDirectory())
        } catch {
            FileHandle.standardError.write(Data("station: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let context: USBContext
        do {
            context = try USBContext()
        } catch {
            print("USB is not available on this machine: \(error)")
            throw ExitCode(1)
        }
        let devices: [USBDeviceInfo]
        do {
            devices = try context.devices()
        } catch {
            print("cannot list USB devices: \(error)")
            throw ExitCode(1)
        }
        var denied = 0
        var shown = 0
        for d in devices {
            let profile = registry.match(vendorID: d.vendorID, productID: d.productID)
            if matchedOnly && profile == nil { continue }
            shown += 1
            let classes = d.interfaces.map { String(format: "%02x/%02x/%02x", $0.interfaceClass, $0.interfaceSubclass, $0.interfaceProtocol) }
            var line = String(format: "%03d/%03d  %@  class %@", d.bus, d.address, d.vidpid, classes.joined(separator: ","))
            if let product = d.product { line += "  \"\(product)\"" }
            line += "  profile: " + (profile.map { "\($0.id) (\($0.name), \($0.protocolName))" } ?? "none")
            print(line)
            if let err = d.accessError {
                denied += 1
                print("    cannot open: \(err)")
            }
        }
        if shown == 0 { print(matchedOnly ? "no USB device matches a profile in Drivers/" : "no USB devices found") }
        if denied > 0 {
            print("\(denied) device(s) could not be opened. As root: install Config/udev/60-station.rules into /etc/udev/rules.d/, run `udevadm control --reload && udevadm trigger`, and add the station's user to the 'station' group.")
        }
    }
}
