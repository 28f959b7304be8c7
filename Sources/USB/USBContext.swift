import CLibUSB
import Foundation

/// A libusb session: the entry point for listing and opening devices.
///
/// `@unchecked Sendable` because the only stored state is the `libusb_context *`, set once in
/// `init` and freed in `deinit`, and libusb documents contexts as safe to use from several
/// threads at once. Handles and monitors keep their context alive, so it is never exited
/// while a device is still open.
public final class USBContext: @unchecked Sendable {
    /// libusb's own diagnostic output on stderr (`LIBUSB_DEBUG` in the environment wins).
    public enum LogLevel: Int, Sendable {
        case none = 0, error, warning, info, debug
    }

    private let raw: OpaquePointer

    /// Starts a libusb session.
    public init(logLevel: LogLevel = .none) throws {
        var raw: OpaquePointer?
        let result = station_libusb_init(&raw)
        guard result == 0, let raw else { throw USBError.from(code: result, USBErrorContext(what: "libusb initialisation")) }
        self.raw = raw
        if logLevel != .none { _ = station_libusb_set_log_level(raw, Int32(logLevel.rawValue)) }
    }

    deinit { libusb_exit(raw) }

    func withContext<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(raw)
    }

    /// Whether libusb can deliver hotplug events on this platform (otherwise
    /// ``USBHotplugMonitor`` re-enumerates periodically).
    public static var supportsHotplug: Bool {
        libusb_has_capability(UInt32(LIBUSB_CAP_HAS_HOTPLUG.rawValue)) != 0
    }

    /// The libusb version in use, e.g. `"1.0.26.11724"`, for diagnostics.
    public static var libraryVersion: String {
        guard let version = libusb_get_version()?.pointee else { return "unknown" }
        return "\(version.major).\(version.minor).\(version.micro).\(version.nano)"
    }

    /// Lists attached devices with their interfaces and endpoints.
    ///
    /// With `readStrings`, each device is opened briefly to read manufacturer, product and
    /// serial strings and HID report descriptors; a device that cannot be opened is still
    /// listed, with the reason in ``USBDeviceInfo/accessError``. Without it no device is
    /// opened (HID usage pages then come from sysfs only, where the kernel has them).
    public func devices(readStrings: Bool = true) throws -> [USBDeviceInfo] {
        let list = try DeviceList(context: self)
        return list.withDevices { devices in
            devices.compactMap { device in
                guard var info = USBContext.describe(device: device) else { return nil }
                guard readStrings else {
                    info.fillHIDUsagePagesFromSysfs()
                    return info
                }
                do {
                    let open = try OpenDevice(context: self, device: device, label: info.errorLabel)
                    open.fillDetails(into: &info, device: device)
                } catch let error as USBError {
                    info.accessError = error
                    info.fillHIDUsagePagesFromSysfs()
                } catch {
                    info.accessError = .other(code: 0, name: String(describing: error))
                }
                return info
            }
        }
    }

    /// Reads what libusb caches without opening the device: device, configuration,
    /// interface and endpoint descriptors plus bus topology. `nil` if even the device
    /// descriptor is unavailable (the device vanished mid-listing).
    static func describe(device: OpaquePointer) -> USBDeviceInfo? {
        var descriptor = libusb_device_descriptor()
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return nil }
        var ports = [UInt8](repeating: 0, count: 8)
        let portCount = ports.withUnsafeMutableBufferPointer {
            libusb_get_port_numbers(device, $0.baseAddress, Int32($0.count))
        }
        var info = USBDeviceInfo(
            vendorID: descriptor.idVendor, productID: descriptor.idProduct,
            bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
            portPath: portCount > 0 ? Array(ports.prefix(Int(portCount))) : [],
            deviceClass: descriptor.bDeviceClass, deviceSubclass: descriptor.bDeviceSubClass,
            deviceProtocol: descriptor.bDeviceProtocol)
        if let config = ConfigDescriptor(device: device) {
            config.withDescriptor { config in
                info.configurationValue = config.bConfigurationValue
                info.interfaces = interfaces(of: config)
            }
        }
        return info
    }

    private static func interfaces(of config: libusb_config_descriptor) -> [USBInterfaceInfo] {
        guard let interfaces = config.interface else { return [] }
        var result: [USBInterfaceInfo] = []
        for interface in UnsafeBufferPointer(start: interfaces, count: Int(config.bNumInterfaces)) {
            guard let settings = interface.altsetting, interface.num_altsetting > 0 else { continue }
            for setting in UnsafeBufferPointer(start: settings, count: Int(interface.num_altsetting)) {
                var endpoints: [USBEndpointInfo] = []
                if let raw = setting.endpoint {
                    for endpoint in UnsafeBufferPointer(start: raw, count: Int(setting.bNumEndpoints)) {
                        endpoints.append(USBEndpointInfo(address: endpoint.bEndpointAddress,
                                                         attributes: endpoint.bmAttributes,
                                                         maxPacketSize: endpoint.wMaxPacketSize,
                                                         interval: endpoint.bInterval))
                    }
                }
                var extra: [UInt8] = []
                if let bytes = setting.extra, setting.extra_length > 0 {
                    extra = Array(UnsafeBufferPointer(start: bytes, count: Int(setting.extra_length)))
                }
                result.append(USBInterfaceInfo(
                    number: Int(setting.bInterfaceNumber), alternateSetting: Int(setting.bAlternateSetting),
                    interfaceClass: setting.bInterfaceClass, interfaceSubclass: setting.bInterfaceSubClass,
                    interfaceProtocol: setting.bInterfaceProtocol, endpoints: endpoints,
                    hidReportDescriptorLength: setting.bInterfaceClass == 3
                        ? USBDescriptorParsing.hidReportDescriptorLength(extra: extra) : nil))
            }
        }
        return result
    }
}

extension USBDeviceInfo {
    /// Error context naming this device.
    var errorLabel: USBErrorContext {
        USBErrorContext(path: devicePath, vidpid: vidpid, what: "\(vidpid) at \(devicePath)")
    }

    /// Fills HID usage pages from `/sys/bus/usb/devices/<dev>:<cfg>.<if>/<hid>/report_descriptor`,
    /// which the kernel exposes even while usbhid owns the interface (when the control
    /// request is refused as busy).
    mutating func fillHIDUsagePagesFromSysfs() {
        guard let name = sysfsName else { return }
        for index in interfaces.indices where interfaces[index].interfaceClass == 3 && interfaces[index].hidUsagePage == nil {
            let directory = "/sys/bus/usb/devices/\(name):\(configurationValue).\(interfaces[index].number)"
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else { continue }
            for entry in entries.sorted() where entry.filter({ $0 == ":" }).count == 2 {
                if let data = FileManager.default.contents(atPath: "\(directory)/\(entry)/report_descriptor"),
                   let page = USBDescriptorParsing.firstUsagePage(reportDescriptor: Array(data)) {
                    interfaces[index].hidUsagePage = page
                    break
                }
            }
        }
    }
}

extension OpenDevice {
    static let detailTimeout: Duration = .milliseconds(500)

    /// Best-effort strings and HID report descriptors; a device that refuses one request
    /// still gets the rest.
    func fillDetails(into info: inout USBDeviceInfo, device: OpaquePointer) {
        var descriptor = libusb_device_descriptor()
        if libusb_get_device_descriptor(device, &descriptor) == 0 {
            func read(_ index: UInt8) -> String? {
                index == 0 ? nil : try? string(index: index, languageID: nil, timeout: Self.detailTimeout)
            }
            info.manufacturer = read(descriptor.iManufacturer)
            info.product = read(descriptor.iProduct)
            info.serialNumber = read(descriptor.iSerialNumber)
        }
        for index in info.interfaces.indices where info.interfaces[index].interfaceClass == 3 {
            let interface = info.interfaces[index]
            guard interface.alternateSetting == 0 else { continue }
            if let bytes = try? hidReportDescriptor(interface: interface.number,
                                                    length: interface.hidReportDescriptorLength ?? 512,
                                                    timeout: Self.detailTimeout) {
                let page = USBDescriptorParsing.firstUsagePage(reportDescriptor: bytes)
                for other in info.interfaces.indices where info.interfaces[other].number == interface.number {
                    info.interfaces[other].hidUsagePage = page
                }
            }
        }
        info.fillHIDUsagePagesFromSysfs()
    }

    /// GET_DESCRIPTOR(HID report) to the interface: bmRequestType 0x81, bRequest 6, wValue 0x2200.
    func hidReportDescriptor(interface: Int, length: Int, timeout: Duration) throws -> [UInt8] {
        try control(requestType: 0x81, request: 6, value: 0x2200, index: UInt16(clamping: interface),
                    data: [], readLength: max(1, min(length, 4096)), timeout: timeout)
    }
}
