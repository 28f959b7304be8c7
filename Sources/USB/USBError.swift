import CLibUSB

/// A failed USB operation, worded so a station operator can act on it.
///
/// Each case corresponds to a `LIBUSB_ERROR_*` code (plus ``malformedReply(_:)`` for device
/// answers that do not parse); the associated values carry the context — device node,
/// `vid:pid`, interface or endpoint — that libusb's bare numbers lack.
public enum USBError: Error, CustomStringConvertible, Hashable, Sendable {
    /// The process may not open the device node (`LIBUSB_ERROR_ACCESS`).
    case access(path: String, vidpid: String)
    /// Another driver or program holds the device or interface (`LIBUSB_ERROR_BUSY`).
    case busy(vidpid: String, interface: Int?)
    /// The transfer did not finish in time (`LIBUSB_ERROR_TIMEOUT`); `transferred` counts the
    /// bytes that did move before the deadline, which matters for partially sent print jobs.
    case timeout(transferred: Int)
    /// The endpoint stalled (`LIBUSB_ERROR_PIPE`); on endpoint 0 the device refused the request.
    case pipe(endpoint: UInt8)
    /// The device is gone, usually unplugged (`LIBUSB_ERROR_NO_DEVICE`).
    case noDevice(vidpid: String)
    /// The transfer failed on the bus (`LIBUSB_ERROR_IO`).
    case io
    /// The device sent more data than was asked for (`LIBUSB_ERROR_OVERFLOW`).
    case overflow
    /// The device, interface or kernel driver asked for does not exist (`LIBUSB_ERROR_NOT_FOUND`).
    case notFound(String)
    /// The platform or device cannot do this (`LIBUSB_ERROR_NOT_SUPPORTED`).
    case notSupported(String)
    /// A caller-supplied argument was rejected (`LIBUSB_ERROR_INVALID_PARAM`).
    case invalidParameter(String)
    /// The device answered, but with bytes that are not a valid descriptor or reply.
    case malformedReply(String)
    /// Any other libusb failure, kept with libusb's own code and name for bug reports.
    case other(code: Int, name: String)

    public var description: String {
        switch self {
        case let .access(path, vidpid):
            return "no permission to open \(path) (\(vidpid)): install Config/udev/60-station.rules and run "
                + "`udevadm control --reload && udevadm trigger`, or add the station user to the group that owns \(path)"
        case let .busy(vidpid, interface):
            let what = interface.map { "interface \($0) of \(vidpid)" } ?? vidpid
            return "\(what) is claimed by another driver or program (e.g. the kernel usblp module); "
                + "close the other program or let the station detach the kernel driver"
        case let .timeout(transferred):
            return transferred > 0
                ? "USB transfer timed out after \(transferred) byte(s) were transferred"
                : "USB transfer timed out"
        case let .pipe(endpoint):
            return endpoint & 0x7F == 0
                ? "the device rejected the control request (endpoint 0 stalled)"
                : "endpoint \(hex2(endpoint)) stalled; clear the halt before retrying"
        case let .noDevice(vidpid):
            return "\(vidpid) is no longer connected (unplugged or reset)"
        case .io:
            return "USB input/output error (cable, hub or device fault)"
        case .overflow:
            return "the device sent more data than requested (overflow)"
        case let .notFound(what):
            return "not found: \(what)"
        case let .notSupported(what):
            return "not supported: \(what)"
        case let .invalidParameter(what):
            return "invalid parameter: \(what)"
        case let .malformedReply(what):
            return "malformed reply from device: \(what)"
        case let .other(code, name):
            return "libusb error \(name) (\(code))"
        }
    }
}

/// What a failing libusb call was about, so the error text can name it.
struct USBErrorContext: Sendable {
    var path: String = "the USB device node"
    var vidpid: String = "the device"
    var interface: Int? = nil
    var endpoint: UInt8 = 0
    var what: String = "USB operation"
}

extension USBError {
    /// Maps a negative libusb return code; the only place `LIBUSB_ERROR_*` numbers are interpreted.
    static func from(code: Int32, _ context: USBErrorContext = USBErrorContext()) -> USBError {
        switch code {
        case LIBUSB_ERROR_ACCESS.rawValue: return .access(path: context.path, vidpid: context.vidpid)
        case LIBUSB_ERROR_BUSY.rawValue: return .busy(vidpid: context.vidpid, interface: context.interface)
        case LIBUSB_ERROR_TIMEOUT.rawValue: return .timeout(transferred: 0)
        case LIBUSB_ERROR_PIPE.rawValue: return .pipe(endpoint: context.endpoint)
        case LIBUSB_ERROR_NO_DEVICE.rawValue: return .noDevice(vidpid: context.vidpid)
        case LIBUSB_ERROR_IO.rawValue: return .io
        case LIBUSB_ERROR_OVERFLOW.rawValue: return .overflow
        case LIBUSB_ERROR_NOT_FOUND.rawValue: return .notFound(context.what)
        case LIBUSB_ERROR_NOT_SUPPORTED.rawValue: return .notSupported(context.what)
        case LIBUSB_ERROR_INVALID_PARAM.rawValue: return .invalidParameter(context.what)
        default: return .other(code: Int(code), name: libusbErrorName(code))
        }
    }
}

/// libusb's symbolic name for a code, e.g. `LIBUSB_ERROR_INTERRUPTED`.
func libusbErrorName(_ code: Int32) -> String {
    guard let name = libusb_error_name(code) else { return "LIBUSB_ERROR_\(code)" }
    return String(cString: name)
}

/// `0x81`-style hex for endpoint addresses and other single bytes.
func hex2(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16)
    return "0x" + (digits.count < 2 ? "0" + digits : digits)
}

/// `0a5f`-style hex for vendor and product IDs.
func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
}
