import Testing
import USB

/// Real libusb without devices: works on any machine, with or without USB hardware.
@Suite struct USBContextTests {
    @Test func contextLists() throws {
        let context = try USBContext()
        let devices = try context.devices()
        #expect(try context.devices(readStrings: false).count == devices.count)
        #expect(USBContext.libraryVersion.hasPrefix("1."))
    }

    @Test func openingAnAbsentDeviceIsNotFound() throws {
        let context = try USBContext()
        // 0x0000 is a reserved vendor ID, so no real device can match.
        do {
            _ = try USBDeviceHandle(context: context, vendorID: 0x0000, productID: 0x0001, serialNumber: "X")
            Issue.record("opened a device that cannot exist")
        } catch let error as USBError {
            #expect(error == .notFound("no USB device 0000:0001 with serial number X"))
        }
    }

    @Test(arguments: [USBHotplugMonitor.Mode.automatic, .polling(interval: .milliseconds(20))])
    func monitorStopsAndFinishesStream(mode: USBHotplugMonitor.Mode) async throws {
        let monitor = try USBHotplugMonitor(vendorID: 0x0000, productID: 0x0001, mode: mode)
        if case .polling = mode { #expect(!monitor.usesNativeHotplug) }
        try await Task.sleep(for: .milliseconds(60))
        let start = ContinuousClock.now
        monitor.stop()
        monitor.stop()  // idempotent
        #expect(ContinuousClock.now - start < .seconds(1), "stop() must not wait out the poll timeout")
        var events = 0
        for await _ in monitor.events { events += 1 }
        #expect(events == 0)
    }

    @Test func monitorStopsWhenReleased() async throws {
        var monitor: USBHotplugMonitor? = try USBHotplugMonitor(mode: .polling(interval: .milliseconds(20)))
        let events = try #require(monitor?.events)
        monitor = nil  // deinit stops the thread and finishes the stream
        var count = 0
        for await _ in events { count += 1 }
        #expect(count == 0)
    }
}
