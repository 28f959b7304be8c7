import Testing
@testable import USB

/// Pure descriptor helpers, fed with bytes as real devices send them.
@Suite struct DescriptorParsingTests {
    /// Interface `extra` bytes of a keyboard-mode scanner: the HID descriptor announcing a 63-byte report descriptor.
    static let scannerHIDDescriptor: [UInt8] = [0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3F, 0x00]
    /// HID 1.11 appendix B.1 boot keyboard report descriptor.
    static let keyboardReport: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x15, 0x00, 0x25, 0x01,
        0x75, 0x01, 0x95, 0x08, 0x81, 0x02, 0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x05, 0x75, 0x01,
        0x05, 0x08, 0x19, 0x01, 0x29, 0x05, 0x91, 0x02, 0x95, 0x01, 0x75, 0x03, 0x91, 0x01, 0x95, 0x06,
        0x75, 0x08, 0x15, 0x00, 0x25, 0x65, 0x05, 0x07, 0x19, 0x00, 0x29, 0x65, 0x81, 0x00, 0xC0,
    ]

    @Test func hidReportLengthFromHIDDescriptor() {
        #expect(USBDescriptorParsing.hidReportDescriptorLength(extra: Self.scannerHIDDescriptor) == 63)
        // Behind an unrelated class descriptor, and with a physical descriptor listed first.
        let other: [UInt8] = [0x05, 0x24, 0x00, 0x10, 0x01]
        let twoEntries: [UInt8] = [0x0C, 0x21, 0x11, 0x01, 0x00, 0x02, 0x23, 0x10, 0x00, 0x22, 0x34, 0x12]
        #expect(USBDescriptorParsing.hidReportDescriptorLength(extra: other + twoEntries) == 0x1234)
    }

    @Test func hidReportLengthRejectsGarbage() {
        #expect(USBDescriptorParsing.hidReportDescriptorLength(extra: []) == nil)
        #expect(USBDescriptorParsing.hidReportDescriptorLength(extra: [0x00, 0x21]) == nil)  // zero length would loop
        #expect(USBDescriptorParsing.hidReportDescriptorLength(extra: [0x09, 0x21, 0x11]) == nil)  // truncated
    }

    @Test func usagePageOfKeyboardAndHIDPOS() {
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: Self.keyboardReport) == 0x01)
        let pos: [UInt8] = [0x06, 0x8C, 0x00, 0x09, 0x02, 0xA1, 0x01, 0xC0]
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: pos) == 0x8C)
        // A long item and a local item before the usage page are skipped.
        let long: [UInt8] = [0xFE, 0x02, 0x10, 0xAA, 0xBB, 0x09, 0x01, 0x05, 0x8C]
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: long) == 0x8C)
    }

    @Test func usagePageAbsentOrTruncated() {
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: []) == nil)
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: [0x09, 0x06, 0xC0]) == nil)
        #expect(USBDescriptorParsing.firstUsagePage(reportDescriptor: [0x06, 0x8C]) == nil)
    }

    @Test func decodesUTF16StringDescriptors() throws {
        func descriptor(_ text: String, padding: Int = 0) -> [UInt8] {
            let units = Array(text.utf16) + Array(repeating: 0, count: padding)
            return [UInt8(2 + units.count * 2), 3] + units.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        }
        #expect(try USBDescriptorParsing.decodeString(descriptor: descriptor("D2J123456")) == "D2J123456")
        #expect(try USBDescriptorParsing.decodeString(descriptor: descriptor("Zebra™ Ü")) == "Zebra™ Ü")
        #expect(try USBDescriptorParsing.decodeString(descriptor: descriptor("SCAN", padding: 2)) == "SCAN")
        // bLength shorter than what arrived wins; extra bytes are not text.
        #expect(try USBDescriptorParsing.decodeString(descriptor: [6, 3, 0x41, 0, 0x42, 0, 0x43, 0]) == "AB")
        #expect(try USBDescriptorParsing.decodeString(descriptor: [2, 3]) == "")
    }

    @Test func rejectsNonStringDescriptors() {
        #expect(throws: USBError.self) { try USBDescriptorParsing.decodeString(descriptor: [18, 1, 0, 2]) }
        #expect(throws: USBError.self) { try USBDescriptorParsing.decodeString(descriptor: [3]) }
    }

    @Test func languageTable() {
        #expect(USBDescriptorParsing.languageIDs(descriptor: [4, 3, 0x09, 0x04]) == [0x0409])
        #expect(USBDescriptorParsing.languageIDs(descriptor: [6, 3, 0x09, 0x04, 0x07, 0x04]) == [0x0409, 0x0407])
        #expect(USBDescriptorParsing.languageIDs(descriptor: [2, 3]) == [])
    }

    @Test func endpointAttributes() {
        let interrupt = USBEndpointInfo(address: 0x81, attributes: 0x03, maxPacketSize: 8, interval: 10)
        #expect(interrupt.direction == .in && interrupt.transferType == .interrupt && interrupt.maxPacketSize == 8)
        let bulk = USBEndpointInfo(address: 0x01, attributes: 0x02, maxPacketSize: 512, interval: 0)
        #expect(bulk.direction == .out && bulk.transferType == .bulk)
        // High-bandwidth multiplier bits are not part of the size.
        let iso = USBEndpointInfo(address: 0x83, attributes: 0x05, maxPacketSize: 0x1400, interval: 1)
        #expect(iso.transferType == .isochronous && iso.maxPacketSize == 0x400)
        #expect(interrupt.description == "0x81(in,interrupt,8)")
    }

    @Test func durationsBecomeLibusbMilliseconds() {
        #expect(milliseconds(.milliseconds(250)) == 250)
        #expect(milliseconds(.seconds(2)) == 2000)
        #expect(milliseconds(.zero) == 1)  // never libusb's "wait forever"
        #expect(milliseconds(.milliseconds(-5)) == 1)
        #expect(milliseconds(.microseconds(10)) == 1)
        #expect(milliseconds(.seconds(10_000_000)) == UInt32.max)
    }
}

/// `USBDeviceInfo` conveniences other modules rely on.
@Suite struct DeviceInfoTests {
    static let printer = USBDeviceInfo(
        vendorID: 0x0A5F, productID: 0x0100, bus: 1, address: 3, portPath: [1, 4],
        interfaces: [USBInterfaceInfo(number: 0, interfaceClass: 7, interfaceSubclass: 1, interfaceProtocol: 2, endpoints: [
            USBEndpointInfo(address: 0x01, transferType: .bulk, maxPacketSize: 64),
            USBEndpointInfo(address: 0x82, transferType: .bulk, maxPacketSize: 64),
        ])],
        manufacturer: "Zebra Technologies", product: "ZTC ZD420-203dpi", serialNumber: "D2J123456")

    @Test func vidpidIsLowercaseZeroPadded() {
        #expect(Self.printer.vidpid == "0a5f:0100")
        #expect(USBDeviceInfo.vidpid(0x05E0, 0x1200) == "05e0:1200")
        #expect(USBDeviceInfo.vidpid(0, 0xFFFF) == "0000:ffff")
    }

    @Test func vidpidParses() throws {
        let ids = try #require(USBDeviceInfo.parseVidpid("0A5F:0100"))
        #expect(ids.vendorID == 0x0A5F && ids.productID == 0x0100)
        #expect(USBDeviceInfo.parseVidpid("0a5f") == nil)
        #expect(USBDeviceInfo.parseVidpid("0a5f:01000") == nil)
        #expect(USBDeviceInfo.parseVidpid("zzzz:0100") == nil)
        #expect(USBDeviceInfo.parseVidpid(":0100") == nil)
    }

    @Test func pathsAndNames() {
        #expect(Self.printer.devicePath == "/dev/bus/usb/001/003")
        #expect(Self.printer.sysfsName == "1-1.4")
        #expect(USBDeviceInfo(vendorID: 0x1D6B, productID: 2, bus: 2, address: 1).sysfsName == nil)
        #expect(Self.printer.description == "0a5f:0100 bus 001 addr 003 port 1-1.4 \"Zebra Technologies ZTC ZD420-203dpi\" serial D2J123456")
    }

    @Test func classHelpers() {
        #expect(Self.printer.isPrinterClass && !Self.printer.isHIDBootKeyboard && !Self.printer.isHIDPOS)
        let keyboard = USBInterfaceInfo(number: 0, interfaceClass: 3, interfaceSubclass: 1, interfaceProtocol: 1,
                                        endpoints: [], hidUsagePage: 0x01)
        let pos = USBInterfaceInfo(number: 1, interfaceClass: 3, interfaceSubclass: 0, interfaceProtocol: 0,
                                   endpoints: [], hidUsagePage: 0x8C)
        let scanner = USBDeviceInfo(vendorID: 0x05E0, productID: 0x1200, bus: 1, address: 2, interfaces: [keyboard, pos])
        #expect(scanner.isHIDBootKeyboard && scanner.isHIDPOS && !scanner.isPrinterClass)
        #expect(scanner.hidUsagePage == 0x01)
        // Without a readable report descriptor a HID interface is not claimed to be POS.
        var unknown = pos
        unknown.hidUsagePage = nil
        #expect(!unknown.isHIDPOS)
    }

    @Test func endpointDiscovery() {
        #expect(Self.printer.bulkOutEndpoint()?.address == 0x01)
        #expect(Self.printer.bulkInEndpoint()?.address == 0x82)
        #expect(Self.printer.interruptInEndpoint() == nil)
        #expect(Self.printer.bulkOutEndpoint(interface: 1) == nil)
    }
}
