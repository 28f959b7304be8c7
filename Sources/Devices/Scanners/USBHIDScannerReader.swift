import Foundation
import USB

/// Which USB devices a scanner reader may open.
public struct USBScannerMatch: Sendable, Hashable, CustomStringConvertible {
    /// A vendor ID with one product or, when `productID` is nil, any product.
    public struct ID: Sendable, Hashable {
        /// USB vendor ID.
        public var vendorID: UInt16
        /// USB product ID, or `nil` for any product of the vendor.
        public var productID: UInt16?

        /// An id; `productID` nil matches every product of the vendor.
        public init(vendorID: UInt16, productID: UInt16?) {
            self.vendorID = vendorID
            self.productID = productID
        }

        /// Whether a device with these IDs fits.
        public func matches(vendorID: UInt16, productID: UInt16) -> Bool {
            self.vendorID == vendorID && (self.productID == nil || self.productID == productID)
        }
    }

    /// The acceptable vendor/product IDs; the first attached device that fits is used.
    public var ids: [ID]
    /// When set, only the device with this serial-number string: how two identical scanners
    /// on one station are told apart.
    public var serialNumber: String?

    /// A match for any of `ids`, optionally only the device with `serialNumber`.
    public init(ids: [ID], serialNumber: String? = nil) {
        precondition(!ids.isEmpty, "a match needs at least one id")
        self.ids = ids
        self.serialNumber = serialNumber
    }

    /// Parses a configured address: `vvvv:pppp`, `vvvv:*` or `vvvv:pppp/SERIAL` (hex IDs).
    public init(address: String, source: ScannerSourceKind) throws(ScannerConfigurationError) {
        let expected = "vendor:product in hex, optionally /serial-number (e.g. 05e0:1200 or 05e0:1200/S123)"
        let parts = address.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let idText = String(parts[0]).lowercased()
        let serial = parts.count == 2 ? String(parts[1]) : nil
        guard serial.map({ !$0.isEmpty }) ?? true else { throw .invalidAddress(source: source, address: address, expected: expected) }
        if idText.hasSuffix(":*"), idText.count == 6, let vendor = UInt16(idText.prefix(4), radix: 16) {
            self.init(ids: [ID(vendorID: vendor, productID: nil)], serialNumber: serial)
            return
        }
        guard let (vendor, product) = USBDeviceInfo.parseVidpid(idText), idText.count == 9 else {
            throw .invalidAddress(source: source, address: address, expected: expected)
        }
        self.init(ids: [ID(vendorID: vendor, productID: product)], serialNumber: serial)
    }

    /// Every device of a profile (`usb = ["05e0:1200", "05e0:*"]`); `nil` if it lists none.
    public init?(profile: DeviceProfile) {
        let ids = profile.usbIDs.compactMap { text -> ID? in
            if text.hasSuffix(":*") { return UInt16(text.prefix(4), radix: 16).map { ID(vendorID: $0, productID: nil) } }
            return USBDeviceInfo.parseVidpid(text).map { ID(vendorID: $0.vendorID, productID: $0.productID) }
        }
        guard !ids.isEmpty else { return nil }
        self.init(ids: ids)
    }

    /// Whether a listed device has one of the IDs (the serial number is checked after opening).
    public func matches(_ device: USBDeviceInfo) -> Bool {
        ids.contains { $0.matches(vendorID: device.vendorID, productID: device.productID) }
    }

    public var description: String {
        let text = ids.map { id in
            String(format: "%04x:", id.vendorID) + (id.productID.map { String(format: "%04x", $0) } ?? "*")
        }.joined(separator: ", ")
        return serialNumber.map { "\(text) serial \($0)" } ?? text
    }

    /// The narrowest vendor/product filter covering every id, for the hotplug monitor.
    var hotplugFilter: (vendorID: UInt16?, productID: UInt16?) {
        let vendors = Set(ids.map(\.vendorID))
        guard vendors.count == 1 else { return (nil, nil) }
        return (vendors.first, ids.count == 1 ? ids[0].productID : nil)
    }
}

/// How a USB scanner presents its scans.
public enum USBScannerProtocol: String, Sendable, Hashable {
    /// Keyboard wedge: HID boot keyboard reports (``HIDKeyboardDecoder``).
    case keyboard
    /// HID POS: bar code scanner page reports (``HIDPOSDecoder``).
    case pos
}

/// Reads a USB HID scanner directly through libusb.
///
/// The reader claims the scanner's HID interface and detaches the kernel's usbhid driver, so
/// scans go only to the station and never also type into whatever window has the focus; the
/// driver is re-attached when the reader stops. It reads the interrupt IN endpoint on its own
/// thread with short timeouts, decodes the reports and delivers ``ScannerEvent``s. When the
/// scanner is unplugged it reports `disconnected` and opens it again when it comes back
/// (a hotplug arrival wakes it at once; it also looks every reconnect interval). Missing udev
/// permissions are reported as `permissionDenied` with the fix.
public final class USBHIDScannerReader: ScannerReader {
    /// The configured scanner name.
    public let name: String
    /// Scans, rejections and status changes; see ``ScannerReader``.
    public let events: AsyncStream<ScannerEvent>
    /// Which devices the reader opens.
    public let match: USBScannerMatch
    /// Keyboard wedge or HID POS.
    public let scannerProtocol: USBScannerProtocol
    private let loop: ReaderLoop

    /// Starts reading; the first event is a status (connected, waiting, permission denied).
    public init(name: String, match: USBScannerMatch, protocol scannerProtocol: USBScannerProtocol,
                settings: ScannerSettings = ScannerSettings()) {
        let (events, continuation) = AsyncStream.makeStream(of: ScannerEvent.self)
        self.name = name
        self.events = events
        self.match = match
        self.scannerProtocol = scannerProtocol
        let loop = ReaderLoop(name: name, settings: settings, continuation: continuation)
        self.loop = loop
        continuation.onTermination = { [weak loop] _ in loop?.requestStop() }
        loop.start(threadName: "scanner-\(name)") { loop in
            USBScannerSession.run(loop, match: match, scannerProtocol: scannerProtocol)
        }
    }

    deinit { loop.stop() }

    /// Stops reading and finishes ``events``; see ``ScannerReader/stop()``.
    public func stop() { loop.stop() }
}

/// One opened scanner: handle, claimed interface, endpoint and the decoder for its reports.
final class USBScannerSession {
    /// The decoder matching the scanner's protocol.
    enum Decoder {
        case keyboard(HIDKeyboardDecoder)
        case pos(HIDPOSDecoder)

        mutating func feed(_ report: [UInt8], at time: Duration) -> [DecodedScan] {
            switch self {
            case var .keyboard(decoder):
                defer { self = .keyboard(decoder) }
                return decoder.feed(report: report, at: time)
            case var .pos(decoder):
                defer { self = .pos(decoder) }
                return decoder.feed(report: report, at: time)
            }
        }

        mutating func advance(to time: Duration) -> [DecodedScan] {
            switch self {
            case var .keyboard(decoder):
                defer { self = .keyboard(decoder) }
                return decoder.advance(to: time)
            case var .pos(decoder):
                defer { self = .pos(decoder) }
                return decoder.advance(to: time)
            }
        }

        mutating func finish() -> [DecodedScan] {
            switch self {
            case var .keyboard(decoder):
                defer { self = .keyboard(decoder) }
                return decoder.finish()
            case var .pos(decoder):
                defer { self = .pos(decoder) }
                return decoder.finish()
            }
        }
    }

    /// Why a matching device cannot serve as this kind of scanner.
    struct Unusable: Error {
        var detail: String
    }

    let handle: USBDeviceHandle
    let interface: Int
    let endpoint: USBEndpointInfo
    let readLength: Int
    var decoder: Decoder
    let label: String

    private init(handle: USBDeviceHandle, interface: Int, endpoint: USBEndpointInfo, readLength: Int, decoder: Decoder,
                 mode: String) {
        self.handle = handle
        self.interface = interface
        self.endpoint = endpoint
        self.readLength = readLength
        self.decoder = decoder
        let names = [handle.info.manufacturer, handle.info.product].compactMap { $0 }
        label = "\(handle.info.vidpid) at \(handle.info.devicePath)" + (names.isEmpty ? "" : " (\(names.joined(separator: " ")))")
            + ", interface \(interface), \(mode)"
    }

    deinit {
        // Releasing re-attaches usbhid, so the scanner types again once the station lets go.
        try? handle.releaseInterface(interface)
    }

    /// Opens the first attached device that fits, claims its HID interface and prepares the decoder.
    static func open(context: USBContext, match: USBScannerMatch, scannerProtocol: USBScannerProtocol,
                     settings: ScannerSettings) throws -> USBScannerSession {
        let candidates = try context.devices(readStrings: false).filter(match.matches)
        var firstError: Error?
        for candidate in candidates {
            do {
                let handle = try USBDeviceHandle(context: context, device: candidate)
                if let serial = match.serialNumber, handle.info.serialNumber != serial { continue }
                return try prepare(handle: handle, scannerProtocol: scannerProtocol, settings: settings)
            } catch {
                firstError = firstError ?? error
            }
        }
        throw firstError ?? USBError.notFound("no USB device \(match)")
    }

    private static func prepare(handle: USBDeviceHandle, scannerProtocol: USBScannerProtocol,
                                settings: ScannerSettings) throws -> USBScannerSession {
        let hid = handle.info.interfaces.filter {
            $0.alternateSetting == 0 && $0.interfaceClass == 3 && $0.firstEndpoint(direction: .in, type: .interrupt) != nil
        }
        let chosen: USBInterfaceInfo?
        switch scannerProtocol {
        case .keyboard:
            chosen = hid.first { $0.isHIDBootKeyboard } ?? hid.first { $0.hidUsagePage == 0x01 }
                ?? hid.first { $0.hidUsagePage != 0x8C }
            if chosen == nil, !hid.isEmpty {
                throw Unusable(detail: "\(handle.info.vidpid) is in HID POS mode: use source \"hidpos\" for it")
            }
        case .pos:
            chosen = hid.first { $0.isHIDPOS } ?? hid.first { !$0.isHIDBootKeyboard && $0.hidUsagePage != 0x01 }
            if chosen == nil, !hid.isEmpty {
                throw Unusable(detail: "\(handle.info.vidpid) is in keyboard mode: use source \"hid\", or switch the scanner to HID POS")
            }
        }
        guard let interface = chosen, let endpoint = interface.firstEndpoint(direction: .in, type: .interrupt) else {
            throw Unusable(detail: "\(handle.info.vidpid) has no HID interface with an interrupt IN endpoint")
        }
        try handle.claimInterface(interface.number, detachKernelDriver: true)
        switch scannerProtocol {
        case .keyboard:
            if interface.isHIDBootKeyboard, settings.keyboardReportID == nil {
                // HID 1.11 §7.2.6 SET_PROTOCOL(boot): fixed 8-byte reports whatever the report
                // descriptor says. Devices that refuse it already send boot reports.
                _ = try? handle.controlTransfer(requestType: 0x21, request: 0x0B, value: 0,
                                                index: UInt16(interface.number), timeout: .milliseconds(200))
            }
            let decoder = HIDKeyboardDecoder(configuration: .init(layout: settings.layout, framing: settings.framing,
                                                                  reportID: settings.keyboardReportID))
            return USBScannerSession(handle: handle, interface: interface.number, endpoint: endpoint,
                                     readLength: max(8, endpoint.maxPacketSize), decoder: .keyboard(decoder),
                                     mode: "keyboard, layout \(settings.layout.id)")
        case .pos:
            let descriptor = try? handle.hidReportDescriptor(interface: interface.number, timeout: .milliseconds(500))
            let (layout, fromDescriptor) = HIDPOSReportLayout.resolve(descriptor: descriptor)
            let decoder = HIDPOSDecoder(configuration: .init(layout: layout, framing: settings.framing))
            return USBScannerSession(handle: handle, interface: interface.number, endpoint: endpoint,
                                     readLength: max(endpoint.maxPacketSize, layout.minimumLength), decoder: .pos(decoder),
                                     mode: fromDescriptor ? "HID POS, layout from the report descriptor"
                                         : "HID POS, common 64-byte layout")
        }
    }

    /// The connection, as the reader thread sees it.
    private enum Connection {
        /// Looking for the device; `everConnected` tells a first wait from a reconnection.
        case searching(everConnected: Bool)
        case connected(USBScannerSession)
    }

    /// How long a device that has just appeared is left alone before it is opened.
    static let arrivalSettleTime: Duration = .milliseconds(250)

    /// The reader thread's body.
    static func run(_ loop: ReaderLoop, match: USBScannerMatch, scannerProtocol: USBScannerProtocol) {
        let settings = loop.settings
        let context: USBContext
        do {
            context = try USBContext()
        } catch {
            loop.status(.unusable(detail: "USB is not available: \(error)"))
            while loop.pause(settings.reconnectInterval) {}
            return
        }
        let filter = match.hotplugFilter
        let monitor = try? USBHotplugMonitor(vendorID: filter.vendorID, productID: filter.productID)
        let arrivals = monitor.map { monitor in
            Task.detached { [wake = loop.wake] in
                for await event in monitor.events where event.kind == .arrived { wake.signal() }
            }
        }
        defer {
            monitor?.stop()
            arrivals?.cancel()
        }

        var connection = Connection.searching(everConnected: false)
        var stalls = 0
        while !loop.isStopping {
            switch connection {
            case let .searching(everConnected):
                if everConnected {
                    // A re-plugged device is given a moment before it is opened: it is listed as
                    // soon as the kernel enumerates it, while udev may still be applying the
                    // permissions of 60-station.rules.
                    guard let listed = try? context.devices(readStrings: false), listed.contains(where: match.matches) else {
                        _ = loop.pause(settings.reconnectInterval)
                        continue
                    }
                    guard loop.settle(arrivalSettleTime) else { break }
                }
                do {
                    let session = try open(context: context, match: match, scannerProtocol: scannerProtocol, settings: settings)
                    connection = .connected(session)
                    stalls = 0
                    loop.status(.connected(device: session.label))
                } catch {
                    report(error, loop: loop, match: match, everConnected: everConnected)
                    _ = loop.pause(settings.reconnectInterval)
                }
            case let .connected(session):
                do {
                    let report = try session.handle.interruptRead(endpoint: session.endpoint.address,
                                                                  maxLength: session.readLength, timeout: settings.pollInterval)
                    stalls = 0
                    loop.deliver(session.decoder.feed(report, at: loop.now))
                } catch USBError.timeout {
                    loop.deliver(session.decoder.advance(to: loop.now))
                } catch USBError.pipe where stalls < 3 {
                    stalls += 1
                    try? session.handle.clearHalt(endpoint: session.endpoint.address)
                } catch USBError.overflow {
                    continue  // a report longer than any scanner's: drop it, keep reading
                } catch {
                    loop.deliver(session.decoder.finish())
                    loop.status(.disconnected(reason: (error as? USBError)?.description ?? "\(error)"))
                    connection = .searching(everConnected: true)
                    _ = loop.pause(settings.reconnectInterval)
                }
            }
        }
        if case let .connected(session) = connection { loop.deliver(session.decoder.finish()) }
    }

    private static func report(_ error: Error, loop: ReaderLoop, match: USBScannerMatch, everConnected: Bool) {
        if let unusable = error as? Unusable {
            loop.status(.unusable(detail: unusable.detail))
            return
        }
        guard let usbError = error as? USBError else {
            loop.status(.unusable(detail: "\(error)"))
            return
        }
        switch usbError {
        case let .access(path, _):
            loop.status(.permissionDenied(path: path, advice: "install Config/udev/60-station.rules and run "
                + "`udevadm control --reload && udevadm trigger`, then re-plug the scanner (or add the station user "
                + "to the group that owns \(path))"))
        case .busy:
            loop.status(.busy(detail: usbError.description))
        case .notFound, .noDevice:
            if !everConnected { loop.status(.waitingForDevice(address: match.description)) }
        default:
            loop.status(.unusable(detail: usbError.description))
        }
    }
}
