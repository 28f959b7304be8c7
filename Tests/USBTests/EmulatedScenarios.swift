import Foundation
import USB

/// The device side of the emulation checks: real libusb calls through the USB module against
/// the fake devices of `emulation/usb_harness.py`, which picks the scenario via
/// `$USB_SCENARIO`, prepares the devices and judges the `USBCHECK {json}` lines printed here
/// together with what the devices received.
///
/// This file imports only Foundation and USB so that any executable can run it: the test
/// binary (see `EmulationTests.swift`) and, while no `station` command exists, a scratch
/// `usbcheck` tool.
enum EmulatedScenarios {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let names = ["list", "scan", "print", "strings", "stall", "partial", "busy", "unplug",
                        "hotplug", "hotplug-poll", "access"]

    static func run(_ name: String) async throws {
        switch name {
        case "list": try list()
        case "access": try access()
        case "scan": try scan()
        case "print": try printLabel()
        case "strings": try strings()
        case "stall": try stall()
        case "partial": try partial()
        case "busy": try busy()
        case "unplug": try unplug()
        case "hotplug": try await hotplug(mode: .automatic, vendorID: nil, productID: nil, includeExisting: false, expected: 2)
        case "hotplug-poll":
            try await hotplug(mode: .polling(interval: .milliseconds(100)), vendorID: 0x05E0, productID: 0x1200,
                              includeExisting: true, expected: 3)
        default: throw Failure(description: "unknown scenario \(name); known: \(names.joined(separator: ", "))")
        }
    }

    // MARK: Output

    /// Prints one `USBCHECK {json}` line and flushes, so the harness sees it while we run.
    static func emit(_ object: [String: Any?]) {
        let cleaned = object.mapValues { $0 ?? NSNull() }
        guard let data = try? JSONSerialization.data(withJSONObject: cleaned, options: [.sortedKeys]) else {
            print("USBCHECK {\"event\":\"unencodable\"}")
            return
        }
        print("USBCHECK " + String(decoding: data, as: UTF8.self))
        fflush(stdout)
    }

    /// The case name of a `USBError`, what the harness compares.
    static func name(of error: Error) -> String {
        guard let error = error as? USBError else { return "non-USB: \(error)" }
        switch error {
        case .access: return "access"
        case .busy: return "busy"
        case .timeout: return "timeout"
        case .pipe: return "pipe"
        case .noDevice: return "noDevice"
        case .io: return "io"
        case .overflow: return "overflow"
        case .notFound: return "notFound"
        case .notSupported: return "notSupported"
        case .invalidParameter: return "invalidParameter"
        case .malformedReply: return "malformedReply"
        case .other: return "other"
        }
    }

    static func expectError<T>(_ body: () throws -> T) throws -> USBError {
        do {
            let value = try body()
            throw Failure(description: "expected a USBError, got \(value)")
        } catch let error as USBError {
            return error
        }
    }

    static let scanner = (vendorID: UInt16(0x05E0), productID: UInt16(0x1200))
    static let printer = (vendorID: UInt16(0x0A5F), productID: UInt16(0x0100))

    // MARK: Scenarios

    static func list() throws {
        let context = try USBContext()
        for device in try context.devices() {
            emit([
                "event": "device", "vidpid": device.vidpid, "bus": Int(device.bus), "address": Int(device.address),
                "ports": device.portPath.map { Int($0) }, "path": device.devicePath,
                "deviceClass": [device.deviceClass, device.deviceSubclass, device.deviceProtocol].map { Int($0) },
                "interfaces": device.interfaces.map { interface -> [String: Any] in
                    [
                        "number": interface.number, "alt": interface.alternateSetting,
                        "class": [interface.interfaceClass, interface.interfaceSubclass, interface.interfaceProtocol].map { Int($0) },
                        "endpoints": interface.endpoints.map(\.description),
                        "hidUsagePage": interface.hidUsagePage.map { Int($0) } as Any? ?? NSNull(),
                    ]
                },
                "manufacturer": device.manufacturer, "product": device.product, "serial": device.serialNumber,
                "printer": device.isPrinterClass, "bootKeyboard": device.isHIDBootKeyboard, "hidPOS": device.isHIDPOS,
                "hidUsagePage": device.hidUsagePage.map { Int($0) }, "accessError": device.accessError?.description,
                "text": device.description,
            ])
        }
        emit(["event": "count", "withoutStrings": try context.devices(readStrings: false).count])
    }

    /// Run by the harness as `nobody` with the scanner's node not writable.
    static func access() throws {
        emit(["event": "whoami", "uid": Int(getuid())])
        let context = try USBContext()
        for device in try context.devices() {
            emit(["event": "device", "vidpid": device.vidpid, "serial": device.serialNumber,
                  "bootKeyboard": device.isHIDBootKeyboard, "accessError": device.accessError?.description,
                  "accessErrorCase": device.accessError.map { name(of: $0) }])
        }
        let error = try expectError {
            try USBDeviceHandle(context: context, vendorID: scanner.vendorID, productID: scanner.productID)
        }
        emit(["event": "access", "error": name(of: error), "description": error.description])
    }

    /// HID usage ID → character for the digits, letters and Enter a keyboard-mode scanner sends.
    static func character(modifiers: UInt8, key: UInt8) -> Character? {
        let shift = modifiers & 0x22 != 0
        switch key {
        case 0x04...0x1D: return Character(UnicodeScalar((shift ? 65 : 97) + key - 0x04))
        case 0x1E...0x26: return Character(UnicodeScalar(49 + key - 0x1E))
        case 0x27: return "0"
        case 0x28: return "\n"
        default: return nil
        }
    }

    static func scan() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: scanner.vendorID, productID: scanner.productID)
        try handle.claimInterface(0, detachKernelDriver: true)
        guard let endpoint = handle.interruptInEndpoint() else { throw Failure(description: "no interrupt IN endpoint") }
        var reports = 0
        var barcode = ""
        var ending: USBError?
        let start = ContinuousClock.now
        while reports < 50 {
            do {
                let report = try handle.interruptRead(endpoint: endpoint.address, maxLength: endpoint.maxPacketSize,
                                                      timeout: .milliseconds(300))
                reports += 1
                if report.count == 8, report[2] != 0, let char = character(modifiers: report[0], key: report[2]) {
                    barcode.append(char)
                }
            } catch let error as USBError {
                ending = error
                break
            }
        }
        var transferred: Int?
        if case let .timeout(count)? = ending { transferred = count }
        emit(["event": "scan", "endpoint": "0x" + String(endpoint.address, radix: 16), "maxPacket": endpoint.maxPacketSize,
              "reports": reports, "barcode": barcode, "endedWith": ending.map { name(of: $0) },
              "timeoutTransferred": transferred, "seconds": (ContinuousClock.now - start).description])
        try handle.releaseInterface(0)
    }

    static func printLabel() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID,
                                         serialNumber: "D2J123456")
        try handle.claimInterface(0)
        guard let out = handle.bulkOutEndpoint(), let input = handle.bulkInEndpoint() else {
            throw Failure(description: "printer lacks bulk endpoints")
        }
        let written = try handle.bulkWrite(endpoint: out.address, data: Array("^XA^FO50,50^A0N,40,40^FDHello^FS^XZ".utf8),
                                           timeout: .seconds(1), chunkSize: 16)
        try handle.bulkWrite(endpoint: out.address, data: Array("~HS".utf8), timeout: .seconds(1))
        let reply = try handle.bulkRead(endpoint: input.address, maxLength: 128, timeout: .seconds(1))
        emit(["event": "print", "out": String(format: "0x%02x", out.address), "in": String(format: "0x%02x", input.address),
              "written": written, "reply": String(decoding: reply, as: UTF8.self), "serial": handle.info.serialNumber])
        let wrong = try expectError {
            try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID, serialNumber: "NOPE")
        }
        emit(["event": "wrongSerial", "error": name(of: wrong), "description": wrong.description])
    }

    static func strings() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID)
        let strings = try (1...3).map { try handle.stringDescriptor(index: UInt8($0), timeout: .milliseconds(500)) }
        let deviceID = try handle.printerDeviceID()
        let missing = try expectError { try handle.stringDescriptor(index: 9, timeout: .milliseconds(500)) }
        var missingEndpoint: Int?
        if case let .pipe(endpoint) = missing { missingEndpoint = Int(endpoint) }
        let scannerHandle = try USBDeviceHandle(context: context, vendorID: scanner.vendorID, productID: scanner.productID)
        let report = try scannerHandle.hidReportDescriptor(interface: 0)
        emit(["event": "strings", "strings": strings, "deviceID": deviceID.fields, "commandSet": deviceID.commandSet,
              "model": deviceID.model, "missingString": name(of: missing), "missingEndpoint": missingEndpoint,
              "reportLength": report.count, "reportUsagePage": scannerHandle.info.hidUsagePage.map { Int($0) }])
    }

    static func stall() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID)
        try handle.claimInterface(0)
        let error = try expectError { try handle.bulkWrite(endpoint: 0x01, data: Array("^XA^FDstalled^XZ".utf8), timeout: .milliseconds(500)) }
        var endpoint: Int?
        if case let .pipe(address) = error { endpoint = Int(address) }
        try handle.clearHalt(endpoint: 0x01)
        let after = try handle.bulkWrite(endpoint: 0x01, data: Array("^XA^XZ".utf8), timeout: .milliseconds(500))
        emit(["event": "stall", "error": name(of: error), "endpoint": endpoint, "description": error.description,
              "afterClearHalt": after])
    }

    static func partial() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID)
        try handle.claimInterface(0)
        let error = try expectError {
            try handle.bulkWrite(endpoint: 0x01, data: Array("0123456789ABCDEFGHIJ".utf8), timeout: .milliseconds(200), chunkSize: 4)
        }
        var transferred: Int?
        if case let .timeout(count) = error { transferred = count }
        emit(["event": "partial", "error": name(of: error), "transferred": transferred, "description": error.description])
    }

    static func busy() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: printer.vendorID, productID: printer.productID)
        let error = try expectError { try handle.claimInterface(0, detachKernelDriver: true) }
        let plain = try expectError { try handle.claimInterface(0, detachKernelDriver: false) }
        emit(["event": "busy", "error": name(of: error), "description": error.description, "errorNoDetach": name(of: plain)])
    }

    static func unplug() throws {
        let context = try USBContext()
        let handle = try USBDeviceHandle(context: context, vendorID: scanner.vendorID, productID: scanner.productID)
        try handle.claimInterface(0)
        let error = try expectError { try handle.interruptRead(endpoint: 0x81, maxLength: 8, timeout: .milliseconds(300)) }
        emit(["event": "unplug", "error": name(of: error), "description": error.description])
    }

    static func hotplug(mode: USBHotplugMonitor.Mode, vendorID: UInt16?, productID: UInt16?,
                        includeExisting: Bool, expected: Int) async throws {
        let monitor = try USBHotplugMonitor(vendorID: vendorID, productID: productID, includeExisting: includeExisting,
                                            mode: mode)
        emit(["event": "ready", "native": monitor.usesNativeHotplug])
        let deadline = Task {
            try? await Task.sleep(for: .seconds(8))
            monitor.stop()
        }
        var count = 0
        for await event in monitor.events {
            count += 1
            emit(["event": "hotplug", "kind": event.kind.rawValue, "vidpid": event.vidpid, "bus": Int(event.bus),
                  "address": Int(event.address), "text": event.description])
            if count >= expected { monitor.stop() }  // finishes the stream, ending this loop
        }
        deadline.cancel()
        emit(["event": "finished", "count": count])
    }
}
