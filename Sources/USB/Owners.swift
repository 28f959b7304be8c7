import CLibUSB

// Each libusb allocation the module makes is wrapped, right where it is made, in one of the
// final classes below; their deinit is the only place it is freed, so an early return or a
// throw halfway through an initializer cannot leak or double-free. Raw pointers are only
// lent out through `with…` closures and must not escape them.

/// Owns the array from `libusb_get_device_list` and the device references in it.
final class DeviceList {
    private let list: UnsafeMutablePointer<OpaquePointer?>
    private let count: Int

    init(context: USBContext) throws {
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = context.withContext { libusb_get_device_list($0, &list) }
        guard count >= 0, let list else {
            throw USBError.from(code: Int32(clamping: count), USBErrorContext(what: "USB device list"))
        }
        self.list = list
        self.count = count
    }

    deinit { libusb_free_device_list(list, 1) }

    /// Lends the `libusb_device *` pointers; they stay valid only inside `body`
    /// (a handle opened from one keeps its own reference).
    func withDevices<T>(_ body: ([OpaquePointer]) throws -> T) rethrows -> T {
        try body((0..<count).compactMap { list[$0] })
    }
}

/// Owns a `libusb_config_descriptor` from `libusb_get_(active_)config_descriptor`.
final class ConfigDescriptor {
    private let raw: UnsafeMutablePointer<libusb_config_descriptor>

    /// The active configuration, or configuration 0 when the device is unconfigured.
    init?(device: OpaquePointer) {
        var raw: UnsafeMutablePointer<libusb_config_descriptor>?
        if libusb_get_active_config_descriptor(device, &raw) != 0 || raw == nil {
            raw = nil
            guard libusb_get_config_descriptor(device, 0, &raw) == 0 else { return nil }
        }
        guard let raw else { return nil }
        self.raw = raw
    }

    deinit { libusb_free_config_descriptor(raw) }

    func withDescriptor<T>(_ body: (libusb_config_descriptor) throws -> T) rethrows -> T {
        try body(raw.pointee)
    }
}

/// Owns a `libusb_device_handle` from `libusb_open` and closes it.
///
/// It keeps its `USBContext` alive because libusb requires every handle to be closed before
/// `libusb_exit`. libusb serialises use of a handle internally, so transfers from several
/// threads are allowed.
final class OpenDevice: @unchecked Sendable {
    let context: USBContext
    /// Path and vid:pid, attached to every error this handle reports.
    let label: USBErrorContext
    private let raw: OpaquePointer

    init(context: USBContext, device: OpaquePointer, label: USBErrorContext) throws {
        var raw: OpaquePointer?
        let result = libusb_open(device, &raw)
        guard result == 0, let raw else {
            var context = label
            context.what = "device \(label.vidpid) at \(label.path)"
            throw USBError.from(code: result, context)
        }
        self.context = context
        self.label = label
        self.raw = raw
    }

    deinit { libusb_close(raw) }

    func withHandle<T>(_ body: (OpaquePointer) throws -> T) rethrows -> T {
        try body(raw)
    }

    /// The error for a negative libusb result on this device.
    func error(_ code: Int32, endpoint: UInt8 = 0, interface: Int? = nil, what: String) -> USBError {
        var context = label
        context.endpoint = endpoint
        context.interface = interface
        context.what = what
        return USBError.from(code: code, context)
    }

    /// Control transfer; direction follows bit 7 of `requestType`.
    func control(requestType: UInt8, request: UInt8, value: UInt16, index: UInt16,
                 data: [UInt8], readLength: Int, timeout: Duration) throws -> [UInt8] {
        let isIn = requestType & 0x80 != 0
        guard isIn || readLength == 0, !isIn || data.isEmpty else {
            throw USBError.invalidParameter("IN control requests read, OUT control requests send data")
        }
        var buffer = isIn ? [UInt8](repeating: 0, count: readLength) : data
        guard buffer.count <= Int(UInt16.max) else {
            throw USBError.invalidParameter("control transfer of \(buffer.count) bytes exceeds 65535")
        }
        let result = withHandle { handle in
            buffer.withUnsafeMutableBufferPointer { bytes in
                libusb_control_transfer(handle, requestType, request, value, index, bytes.baseAddress,
                                        UInt16(bytes.count), milliseconds(timeout))
            }
        }
        guard result >= 0 else {
            throw error(result, what: "control request \(hex2(requestType))/\(hex2(request)) on \(label.vidpid)")
        }
        return isIn ? Array(buffer.prefix(Int(result))) : []
    }

    /// Reads string descriptor `index` as full Unicode (not libusb's ASCII-only helper).
    func string(index: UInt8, languageID: UInt16?, timeout: Duration) throws -> String {
        guard index != 0 else { throw USBError.invalidParameter("string index 0 is the language table") }
        var language = languageID ?? 0x0409
        if languageID == nil {
            // Ask for the device's first language, as libusb's own string helper does.
            let table = try control(requestType: 0x80, request: 6, value: 0x0300, index: 0, data: [],
                                    readLength: 255, timeout: timeout)
            language = USBDescriptorParsing.languageIDs(descriptor: table).first ?? language
        }
        let bytes = try control(requestType: 0x80, request: 6, value: 0x0300 | UInt16(index), index: language,
                                data: [], readLength: 255, timeout: timeout)
        return try USBDescriptorParsing.decodeString(descriptor: bytes)
    }
}

/// libusb timeouts are unsigned milliseconds where 0 means "forever"; a zero or negative
/// `Duration` is clamped to 1 ms so a mistaken `.zero` can never hang the station.
func milliseconds(_ duration: Duration) -> UInt32 {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, seconds < Int64(UInt32.max / 1000) else { return seconds < 0 ? 1 : UInt32.max }
    let millis = UInt64(seconds) * 1000 + UInt64(max(0, attoseconds) / 1_000_000_000_000_000)
    return UInt32(max(1, min(millis, UInt64(UInt32.max))))
}
