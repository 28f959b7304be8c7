/// Which way data flows on an endpoint, seen from the host.
public enum USBDirection: String, Sendable, Hashable {
    /// Device to host (endpoint address bit 7 set).
    case `in`
    /// Host to device.
    case out
}

/// The transfer type of an endpoint (bits 0–1 of `bmAttributes`).
public enum USBTransferType: String, Sendable, Hashable {
    case control, isochronous, bulk, interrupt
}

/// One endpoint of an interface, as its descriptor declares it.
public struct USBEndpointInfo: Sendable, Hashable, CustomStringConvertible {
    /// Endpoint address including the direction bit, e.g. `0x81`.
    public var address: UInt8
    /// Transfer type; scanners use interrupt IN, printers bulk OUT (+ bulk IN for status).
    public var transferType: USBTransferType
    /// Largest packet the endpoint moves at once; interrupt reads should ask for this much.
    public var maxPacketSize: Int
    /// Polling interval exponent/frames as declared (`bInterval`).
    public var interval: UInt8

    /// Direction, derived from the address so the two can never disagree.
    public var direction: USBDirection { address & 0x80 != 0 ? .in : .out }

    public init(address: UInt8, transferType: USBTransferType, maxPacketSize: Int, interval: UInt8 = 0) {
        self.address = address
        self.transferType = transferType
        self.maxPacketSize = maxPacketSize
        self.interval = interval
    }

    /// Builds the endpoint from raw descriptor fields (`bmAttributes`, `wMaxPacketSize`).
    init(address: UInt8, attributes: UInt8, maxPacketSize rawMaxPacket: UInt16, interval: UInt8) {
        let type: USBTransferType
        switch attributes & 0x03 {
        case 0: type = .control
        case 1: type = .isochronous
        case 2: type = .bulk
        default: type = .interrupt
        }
        // Bits 11–12 of wMaxPacketSize are high-bandwidth multipliers, not size.
        self.init(address: address, transferType: type, maxPacketSize: Int(rawMaxPacket & 0x07FF), interval: interval)
    }

    public var description: String {
        "\(hex2(address))(\(direction.rawValue),\(transferType.rawValue),\(maxPacketSize))"
    }
}

/// One interface alternate setting with its endpoints.
public struct USBInterfaceInfo: Sendable, Hashable {
    /// `bInterfaceNumber`, what `claimInterface(_:)` takes.
    public var number: Int
    /// `bAlternateSetting`; most scanners and printers only have 0.
    public var alternateSetting: Int
    public var interfaceClass: UInt8
    public var interfaceSubclass: UInt8
    public var interfaceProtocol: UInt8
    public var endpoints: [USBEndpointInfo]
    /// Length of the HID report descriptor announced in the HID class descriptor, if any.
    public var hidReportDescriptorLength: Int?
    /// First usage page of the HID report descriptor (0x01 keyboard, 0x8C bar code scanner);
    /// only known when the descriptor could be read from the device or sysfs.
    public var hidUsagePage: UInt16?

    public init(number: Int, alternateSetting: Int = 0, interfaceClass: UInt8, interfaceSubclass: UInt8,
                interfaceProtocol: UInt8, endpoints: [USBEndpointInfo], hidReportDescriptorLength: Int? = nil,
                hidUsagePage: UInt16? = nil) {
        self.number = number
        self.alternateSetting = alternateSetting
        self.interfaceClass = interfaceClass
        self.interfaceSubclass = interfaceSubclass
        self.interfaceProtocol = interfaceProtocol
        self.endpoints = endpoints
        self.hidReportDescriptorLength = hidReportDescriptorLength
        self.hidUsagePage = hidUsagePage
    }

    /// USB printer class (7), what label printers expose.
    public var isPrinterClass: Bool { interfaceClass == 7 }
    /// HID (3) boot-protocol (1) keyboard (1): a scanner in keyboard-wedge mode.
    public var isHIDBootKeyboard: Bool { interfaceClass == 3 && interfaceSubclass == 1 && interfaceProtocol == 1 }
    /// HID whose report descriptor starts on the bar code scanner usage page (0x8C, HID POS).
    public var isHIDPOS: Bool { interfaceClass == 3 && hidUsagePage == 0x8C }

    /// The first endpoint with this direction and transfer type, in descriptor order.
    public func firstEndpoint(direction: USBDirection, type: USBTransferType) -> USBEndpointInfo? {
        endpoints.first { $0.direction == direction && $0.transferType == type }
    }
}

/// A snapshot of one attached device, taken while listing; no handle stays open.
public struct USBDeviceInfo: Sendable, Hashable, CustomStringConvertible {
    public var vendorID: UInt16
    public var productID: UInt16
    /// Bus number, as in `/dev/bus/usb/BBB/…`.
    public var bus: UInt8
    /// Device address on the bus; changes on every re-plug.
    public var address: UInt8
    /// Hub port numbers from the root hub down; stable across re-plugs into the same socket.
    public var portPath: [UInt8]
    public var deviceClass: UInt8
    public var deviceSubclass: UInt8
    public var deviceProtocol: UInt8
    /// `bConfigurationValue` of the configuration the interfaces were read from.
    public var configurationValue: UInt8
    /// Every interface alternate setting of that configuration.
    public var interfaces: [USBInterfaceInfo]
    public var manufacturer: String?
    public var product: String?
    public var serialNumber: String?
    /// Why the device could not be opened to read strings, e.g. missing udev permissions;
    /// the listing itself still succeeds so the operator sees the device and the reason.
    public var accessError: USBError?

    public init(vendorID: UInt16, productID: UInt16, bus: UInt8, address: UInt8, portPath: [UInt8] = [],
                deviceClass: UInt8 = 0, deviceSubclass: UInt8 = 0, deviceProtocol: UInt8 = 0,
                configurationValue: UInt8 = 1, interfaces: [USBInterfaceInfo] = [], manufacturer: String? = nil,
                product: String? = nil, serialNumber: String? = nil, accessError: USBError? = nil) {
        self.vendorID = vendorID
        self.productID = productID
        self.bus = bus
        self.address = address
        self.portPath = portPath
        self.deviceClass = deviceClass
        self.deviceSubclass = deviceSubclass
        self.deviceProtocol = deviceProtocol
        self.configurationValue = configurationValue
        self.interfaces = interfaces
        self.manufacturer = manufacturer
        self.product = product
        self.serialNumber = serialNumber
        self.accessError = accessError
    }

    /// `"0a5f:0100"`: the form used in config files, udev rules and `lsusb`.
    public var vidpid: String { USBDeviceInfo.vidpid(vendorID, productID) }

    /// Formats a vendor/product pair as `"vvvv:pppp"` (lower-case hex).
    public static func vidpid(_ vendorID: UInt16, _ productID: UInt16) -> String {
        hex4(vendorID) + ":" + hex4(productID)
    }

    /// Parses `"0a5f:0100"` (case-insensitive) back into IDs; `nil` if malformed.
    public static func parseVidpid(_ text: String) -> (vendorID: UInt16, productID: UInt16)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ (1...4).contains($0.count) }),
              let vid = UInt16(parts[0], radix: 16), let pid = UInt16(parts[1], radix: 16) else { return nil }
        return (vid, pid)
    }

    /// The usbfs node libusb opens, named in permission errors.
    public var devicePath: String { USBDeviceInfo.devicePath(bus: bus, address: address) }

    static func devicePath(bus: UInt8, address: UInt8) -> String {
        "/dev/bus/usb/" + pad3(bus) + "/" + pad3(address)
    }

    /// Kernel name of the device, e.g. `"1-1.4"`; `nil` for root hubs (no port path).
    public var sysfsName: String? {
        portPath.isEmpty ? nil : "\(bus)-" + portPath.map(String.init).joined(separator: ".")
    }

    /// True if any interface is USB printer class (7).
    public var isPrinterClass: Bool { interfaces.contains { $0.isPrinterClass } }
    /// True if any interface is a HID boot keyboard (3/1/1).
    public var isHIDBootKeyboard: Bool { interfaces.contains { $0.isHIDBootKeyboard } }
    /// True if any HID interface reports the bar code scanner usage page (0x8C).
    public var isHIDPOS: Bool { interfaces.contains { $0.isHIDPOS } }
    /// Usage page of the first HID interface whose report descriptor could be read.
    public var hidUsagePage: UInt16? { interfaces.lazy.compactMap(\.hidUsagePage).first }

    /// The first endpoint of interface `number` (alternate setting 0) with this direction and type.
    public func firstEndpoint(interface number: Int, direction: USBDirection, type: USBTransferType) -> USBEndpointInfo? {
        interfaces.first { $0.number == number && $0.alternateSetting == 0 }?
            .firstEndpoint(direction: direction, type: type)
    }
    /// Where print data goes.
    public func bulkOutEndpoint(interface number: Int = 0) -> USBEndpointInfo? {
        firstEndpoint(interface: number, direction: .out, type: .bulk)
    }
    /// Where printer status replies (e.g. to `~HS`) come back.
    public func bulkInEndpoint(interface number: Int = 0) -> USBEndpointInfo? {
        firstEndpoint(interface: number, direction: .in, type: .bulk)
    }
    /// Where HID scanners deliver reports.
    public func interruptInEndpoint(interface number: Int = 0) -> USBEndpointInfo? {
        firstEndpoint(interface: number, direction: .in, type: .interrupt)
    }

    public var description: String {
        var text = "\(vidpid) bus \(pad3(bus)) addr \(pad3(address))"
        if let name = sysfsName { text += " port \(name)" }
        let names = [manufacturer, product].compactMap { $0 }
        if !names.isEmpty { text += " \"" + names.joined(separator: " ") + "\"" }
        if let serialNumber { text += " serial \(serialNumber)" }
        if let accessError { text += " [\(accessError)]" }
        return text
    }
}

private func pad3(_ value: UInt8) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
}
