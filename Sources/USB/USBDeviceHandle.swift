import CLibUSB
import Foundation

/// An open device: claim interfaces, move data, ask questions over the control pipe.
///
/// Claimed interfaces are released (and detached kernel drivers re-attached) when the handle
/// is deallocated, so a crashed print job never leaves the printer unusable for `usblp`.
/// `@unchecked Sendable`: libusb allows synchronous transfers on one handle from several
/// threads, and the only mutable Swift state (the claimed set) is guarded by a lock.
public final class USBDeviceHandle: @unchecked Sendable {
    /// Descriptors and strings of the opened device, read when it was opened.
    public let info: USBDeviceInfo

    private let device: OpenDevice
    private let lock = NSLock()
    /// Interface number → whether this handle detached a kernel driver that must be re-attached.
    private var claimed: [Int: Bool] = [:]

    /// Opens the first device with this vendor/product ID, or the one whose serial-number
    /// string matches — several identical scanners on one station differ only there.
    public convenience init(context: USBContext, vendorID: UInt16, productID: UInt16, serialNumber: String? = nil) throws {
        try self.init(context: context, vendorID: vendorID, productID: productID, serialNumber: serialNumber,
                      bus: nil, address: nil)
    }

    /// Opens the device at this bus/address, e.g. one picked from ``USBContext/devices(readStrings:)``;
    /// fails with ``USBError/notFound(_:)`` if it is now something else.
    public convenience init(context: USBContext, vendorID: UInt16, productID: UInt16, bus: UInt8, address: UInt8) throws {
        try self.init(context: context, vendorID: vendorID, productID: productID, serialNumber: nil,
                      bus: bus, address: address)
    }

    /// Opens the device a listing returned.
    public convenience init(context: USBContext, device info: USBDeviceInfo) throws {
        try self.init(context: context, vendorID: info.vendorID, productID: info.productID, serialNumber: nil,
                      bus: info.bus, address: info.address)
    }

    private init(context: USBContext, vendorID: UInt16, productID: UInt16, serialNumber: String?,
                 bus: UInt8?, address: UInt8?) throws {
        let list = try DeviceList(context: context)
        var firstError: USBError?
        let match: (OpenDevice, USBDeviceInfo)? = list.withDevices { devices in
            for device in devices {
                guard var info = USBContext.describe(device: device),
                      info.vendorID == vendorID, info.productID == productID,
                      bus == nil || info.bus == bus, address == nil || info.address == address else { continue }
                do {
                    let open = try OpenDevice(context: context, device: device, label: info.errorLabel)
                    open.fillDetails(into: &info, device: device)
                    if let serialNumber, info.serialNumber != serialNumber { continue }  // `open` closes here
                    return (open, info)
                } catch {
                    firstError = firstError ?? (error as? USBError)
                }
            }
            return nil
        }
        guard let (device, info) = match else {
            if let firstError { throw firstError }
            var what = "no USB device " + USBDeviceInfo.vidpid(vendorID, productID)
            if let serialNumber { what += " with serial number \(serialNumber)" }
            if let bus, let address { what += " at \(USBDeviceInfo.devicePath(bus: bus, address: address))" }
            throw USBError.notFound(what)
        }
        self.device = device
        self.info = info
    }

    deinit {
        for (number, detached) in claimed {
            device.withHandle { handle in
                _ = libusb_release_interface(handle, Int32(number))
                if detached { _ = libusb_attach_kernel_driver(handle, Int32(number)) }
            }
        }
    }

    // MARK: Interfaces

    /// Claims an interface for exclusive use; required before bulk or interrupt transfers.
    ///
    /// With `detachKernelDriver`, a bound kernel driver (usbhid for keyboard-mode scanners,
    /// usblp for printers) is detached first and re-attached on release. Otherwise a bound
    /// driver makes this fail with ``USBError/busy(vidpid:interface:)``.
    public func claimInterface(_ number: Int, detachKernelDriver: Bool = true) throws {
        lock.lock()
        defer { lock.unlock() }
        guard claimed[number] == nil else { return }
        let interface = Int32(number)
        var detached = false
        let result: Int32 = device.withHandle { handle in
            guard detachKernelDriver else {
                _ = libusb_set_auto_detach_kernel_driver(handle, 0)
                return libusb_claim_interface(handle, interface)
            }
            // Preferred: libusb detaches and claims atomically (USBDEVFS_DISCONNECT_CLAIM) and
            // re-attaches on release.
            if libusb_set_auto_detach_kernel_driver(handle, 1) == 0 {
                let result = libusb_claim_interface(handle, interface)
                guard result == LIBUSB_ERROR_NOT_SUPPORTED.rawValue || result == LIBUSB_ERROR_OTHER.rawValue else {
                    return result
                }
                _ = libusb_set_auto_detach_kernel_driver(handle, 0)
            }
            // Fallback for platforms or usbfs emulations without that ioctl: check, detach, claim.
            if libusb_kernel_driver_active(handle, interface) == 1 {
                let result = libusb_detach_kernel_driver(handle, interface)
                guard result == 0 || result == LIBUSB_ERROR_NOT_FOUND.rawValue else { return result }
                detached = result == 0
            }
            let result = libusb_claim_interface(handle, interface)
            if result != 0, detached {
                _ = libusb_attach_kernel_driver(handle, interface)
                detached = false
            }
            return result
        }
        guard result == 0 else {
            throw device.error(result, interface: number, what: "interface \(number) of \(device.label.vidpid)")
        }
        claimed[number] = detached
    }

    /// Releases an interface claimed with ``claimInterface(_:detachKernelDriver:)``.
    public func releaseInterface(_ number: Int) throws {
        lock.lock()
        defer { lock.unlock() }
        guard let detached = claimed.removeValue(forKey: number) else { return }
        let result = device.withHandle { libusb_release_interface($0, Int32(number)) }
        if detached { device.withHandle { _ = libusb_attach_kernel_driver($0, Int32(number)) } }
        // A device that is already gone has nothing left to release.
        guard result == 0 || result == LIBUSB_ERROR_NO_DEVICE.rawValue else {
            throw device.error(result, interface: number, what: "interface \(number) of \(device.label.vidpid)")
        }
    }

    /// Interfaces currently claimed through this handle.
    public var claimedInterfaces: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return claimed.keys.sorted()
    }

    // MARK: Bulk and interrupt transfers

    /// Sends `data` to a bulk OUT endpoint in chunks of `chunkSize` bytes and returns the
    /// number of bytes written (all of them on success).
    ///
    /// `timeout` applies to each chunk, so a long label job is not cut off as a whole. If a
    /// chunk times out the call throws ``USBError/timeout(transferred:)`` with the total that
    /// did reach the device, so the caller knows whether the printer saw a partial job.
    @discardableResult
    public func bulkWrite(endpoint: UInt8, data: [UInt8], timeout: Duration = .seconds(5),
                          chunkSize: Int = 16_384) throws -> Int {
        guard endpoint & 0x80 == 0 else { throw USBError.invalidParameter("endpoint \(hex2(endpoint)) is not an OUT endpoint") }
        guard chunkSize > 0 else { throw USBError.invalidParameter("chunk size must be positive") }
        var written = 0
        while written < data.count {
            var chunk = Array(data[written..<min(data.count, written + chunkSize)])
            var transferred: Int32 = 0
            let result = device.withHandle { handle in
                chunk.withUnsafeMutableBufferPointer {
                    libusb_bulk_transfer(handle, endpoint, $0.baseAddress, Int32($0.count), &transferred, milliseconds(timeout))
                }
            }
            written += Int(max(0, transferred))
            if result == LIBUSB_ERROR_TIMEOUT.rawValue { throw USBError.timeout(transferred: written) }
            guard result == 0 else { throw transferError(result, endpoint: endpoint) }
            if transferred == 0 { throw USBError.timeout(transferred: written) }  // no progress: do not spin
        }
        return written
    }

    /// Reads up to `maxLength` bytes from a bulk IN endpoint (e.g. a printer's `~HS` reply).
    ///
    /// Throws ``USBError/timeout(transferred:)`` only if nothing arrived; bytes that arrived
    /// before the deadline are returned rather than lost.
    public func bulkRead(endpoint: UInt8, maxLength: Int, timeout: Duration = .seconds(1)) throws -> [UInt8] {
        try read(endpoint: endpoint, maxLength: maxLength, timeout: timeout, transfer: libusb_bulk_transfer)
    }

    /// Reads one report of up to `maxLength` bytes from an interrupt IN endpoint (HID scanners).
    /// Throws ``USBError/timeout(transferred:)`` when no report arrives in time.
    public func interruptRead(endpoint: UInt8, maxLength: Int, timeout: Duration = .seconds(1)) throws -> [UInt8] {
        try read(endpoint: endpoint, maxLength: maxLength, timeout: timeout, transfer: libusb_interrupt_transfer)
    }

    private typealias SyncTransfer = (OpaquePointer?, UInt8, UnsafeMutablePointer<UInt8>?, Int32,
                                      UnsafeMutablePointer<Int32>?, UInt32) -> Int32

    private func read(endpoint: UInt8, maxLength: Int, timeout: Duration, transfer: SyncTransfer) throws -> [UInt8] {
        guard endpoint & 0x80 != 0 else { throw USBError.invalidParameter("endpoint \(hex2(endpoint)) is not an IN endpoint") }
        guard maxLength > 0, maxLength <= Int(Int32.max) else { throw USBError.invalidParameter("read length \(maxLength)") }
        var buffer = [UInt8](repeating: 0, count: maxLength)
        var transferred: Int32 = 0
        let result = device.withHandle { handle in
            buffer.withUnsafeMutableBufferPointer {
                transfer(handle, endpoint, $0.baseAddress, Int32($0.count), &transferred, milliseconds(timeout))
            }
        }
        if result == 0 || (result == LIBUSB_ERROR_TIMEOUT.rawValue && transferred > 0) {
            return Array(buffer.prefix(Int(transferred)))
        }
        throw transferError(result, endpoint: endpoint)
    }

    private func transferError(_ code: Int32, endpoint: UInt8) -> USBError {
        device.error(code, endpoint: endpoint, what: "endpoint \(hex2(endpoint)) of \(device.label.vidpid)")
    }

    /// Clears a stall (``USBError/pipe(endpoint:)``) so the endpoint accepts transfers again.
    public func clearHalt(endpoint: UInt8) throws {
        let result = device.withHandle { libusb_clear_halt($0, endpoint) }
        guard result == 0 else { throw transferError(result, endpoint: endpoint) }
    }

    // MARK: Control transfers

    /// A control transfer on endpoint 0. Bit 7 of `requestType` picks the direction: IN
    /// requests read up to `readLength` bytes and return them; OUT requests send `data` and
    /// return an empty array.
    @discardableResult
    public func controlTransfer(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16,
                                data: [UInt8] = [], readLength: Int = 0,
                                timeout: Duration = .seconds(1)) throws -> [UInt8] {
        try device.control(requestType: requestType, request: request, value: value, index: index,
                           data: data, readLength: readLength, timeout: timeout)
    }

    /// Reads string descriptor `index` (e.g. from a vendor-specific descriptor field), in the
    /// device's first language unless `languageID` is given.
    public func stringDescriptor(index: UInt8, languageID: UInt16? = nil, timeout: Duration = .seconds(1)) throws -> String {
        try device.string(index: index, languageID: languageID, timeout: timeout)
    }

    /// Printer-class GET_DEVICE_ID (bmRequestType 0xA1, bRequest 0): the IEEE 1284 ID naming
    /// manufacturer, model and command language. Linux allows it even while usblp is bound.
    public func printerDeviceID(interface: Int = 0, alternateSetting: Int = 0, configurationIndex: UInt16 = 0,
                                timeout: Duration = .seconds(1)) throws -> PrinterDeviceID {
        let index = UInt16(clamping: interface) << 8 | UInt16(clamping: alternateSetting)
        let reply = try device.control(requestType: 0xA1, request: 0, value: configurationIndex, index: index,
                                       data: [], readLength: 1024, timeout: timeout)
        return try PrinterDeviceID(reply: reply)
    }

    /// The HID report descriptor of `interface`, which tells a HID POS scanner (usage page
    /// 0x8C) from a keyboard-mode one. Fails as busy on Linux while usbhid owns the interface.
    public func hidReportDescriptor(interface: Int = 0, timeout: Duration = .seconds(1)) throws -> [UInt8] {
        let length = info.interfaces.first { $0.number == interface }?.hidReportDescriptorLength ?? 512
        return try device.hidReportDescriptor(interface: interface, length: length, timeout: timeout)
    }

    // MARK: Endpoint discovery

    /// First bulk OUT endpoint of `interface`: where print data goes.
    public func bulkOutEndpoint(interface: Int = 0) -> USBEndpointInfo? { info.bulkOutEndpoint(interface: interface) }
    /// First bulk IN endpoint of `interface`: printer status replies.
    public func bulkInEndpoint(interface: Int = 0) -> USBEndpointInfo? { info.bulkInEndpoint(interface: interface) }
    /// First interrupt IN endpoint of `interface`: HID scanner reports.
    public func interruptInEndpoint(interface: Int = 0) -> USBEndpointInfo? { info.interruptInEndpoint(interface: interface) }
}
