import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Line settings of a serial scanner (RS-232 through an adapter, or USB CDC-ACM, where the
/// rate is ignored by the device but still set).
public struct SerialPortSettings: Sendable, Hashable {
    /// Parity bit, checked on input when enabled.
    public enum Parity: String, Sendable, Hashable, CaseIterable {
        case none, even, odd
    }

    /// How the scanner is told to pause sending.
    public enum FlowControl: String, Sendable, Hashable, CaseIterable {
        /// No flow control (scanners' default).
        case none
        /// RTS/CTS.
        case hardware
        /// XON/XOFF.
        case software
    }

    /// Bits per second; one of ``supportedBaudRates``.
    public var baudRate: Int
    /// 5 to 8.
    public var dataBits: Int
    /// Parity; `none` on almost every scanner.
    public var parity: Parity
    /// 1 or 2.
    public var stopBits: Int
    /// Flow control; `none` on almost every scanner.
    public var flowControl: FlowControl

    /// Defaults: 9600 8N1 without flow control, the usual scanner factory setting.
    public init(baudRate: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1,
                flowControl: FlowControl = .none) {
        precondition(Self.supportedBaudRates.contains(baudRate), "unsupported baud rate \(baudRate)")
        precondition((5...8).contains(dataBits) && (1...2).contains(stopBits), "data bits 5–8, stop bits 1–2")
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flowControl = flowControl
    }

    /// The rates termios can set on Linux.
    public static let supportedBaudRates: [Int] = speeds.map(\.0)

    private static let speeds: [(Int, speed_t)] = [
        (50, speed_t(B50)), (75, speed_t(B75)), (110, speed_t(B110)), (134, speed_t(B134)), (150, speed_t(B150)),
        (200, speed_t(B200)), (300, speed_t(B300)), (600, speed_t(B600)), (1200, speed_t(B1200)),
        (1800, speed_t(B1800)), (2400, speed_t(B2400)), (4800, speed_t(B4800)), (9600, speed_t(B9600)),
        (19200, speed_t(B19200)), (38400, speed_t(B38400)), (57600, speed_t(B57600)), (115200, speed_t(B115200)),
        (230400, speed_t(B230400)), (460800, speed_t(B460800)), (500000, speed_t(B500000)), (576000, speed_t(B576000)),
        (921600, speed_t(B921600)), (1000000, speed_t(B1000000)), (1152000, speed_t(B1152000)),
        (1500000, speed_t(B1500000)), (2000000, speed_t(B2000000)), (2500000, speed_t(B2500000)),
        (3000000, speed_t(B3000000)), (3500000, speed_t(B3500000)), (4000000, speed_t(B4000000)),
    ]

    var speed: speed_t { Self.speeds.first { $0.0 == baudRate }!.1 }

    /// Applies these settings to `attributes` in raw mode: no echo, no line editing, no CR/LF
    /// translation, no signals, reads return whatever has arrived (VMIN = VTIME = 0).
    func apply(to attributes: inout termios) {
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~(tcflag_t(CSIZE | PARENB | PARODD | CSTOPB) | tcflag_t(CRTSCTS))
        attributes.c_cflag |= tcflag_t(CREAD | CLOCAL)
        switch dataBits {
        case 5: attributes.c_cflag |= tcflag_t(CS5)
        case 6: attributes.c_cflag |= tcflag_t(CS6)
        case 7: attributes.c_cflag |= tcflag_t(CS7)
        default: attributes.c_cflag |= tcflag_t(CS8)
        }
        switch parity {
        case .none: break
        case .even:
            attributes.c_cflag |= tcflag_t(PARENB)
            attributes.c_iflag |= tcflag_t(INPCK)
        case .odd:
            attributes.c_cflag |= tcflag_t(PARENB | PARODD)
            attributes.c_iflag |= tcflag_t(INPCK)
        }
        if stopBits == 2 { attributes.c_cflag |= tcflag_t(CSTOPB) }
        attributes.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        switch flowControl {
        case .none: break
        case .hardware: attributes.c_cflag |= tcflag_t(CRTSCTS)
        case .software: attributes.c_iflag |= tcflag_t(IXON | IXOFF)
        }
        withUnsafeMutableBytes(of: &attributes.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        cfsetispeed(&attributes, speed)
        cfsetospeed(&attributes, speed)
    }
}

/// Why a serial port could not be opened or read.
public enum SerialPortError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Nothing is attached at `path` (ENOENT, ENXIO, ENODEV).
    case notFound(path: String)
    /// The station's user may not open `path`.
    case permissionDenied(path: String)
    /// Another program holds `path` exclusively.
    case busy(path: String)
    /// `path` is not a terminal device.
    case notATerminal(path: String)
    /// The device went away while open (hangup, EIO, ENODEV).
    case disconnected(path: String)
    /// Any other failure of a system call.
    case system(path: String, call: String, errno: Int32)

    public var description: String {
        switch self {
        case let .notFound(path):
            return "no serial device at \(path) (not plugged in?)"
        case let .permissionDenied(path):
            return "no permission to open \(path): " + Self.permissionAdvice
        case let .busy(path):
            return "\(path) is held by another program (a terminal, ModemManager): close it, or tell ModemManager to "
                + "leave scanners alone with a udev rule setting ENV{ID_MM_DEVICE_IGNORE}=\"1\""
        case let .notATerminal(path):
            return "\(path) is not a serial port (tty); check the scanner's address"
        case let .disconnected(path):
            return "\(path) disconnected"
        case let .system(path, call, code):
            return "\(call) on \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        }
    }
}

extension SerialPortError {
    /// What to do when a tty may not be opened.
    static let permissionAdvice = "add the station user to the group that owns it (usually dialout: "
        + "`usermod -aG dialout station`), then restart the station"
}

/// An open serial port in raw mode, held exclusively (TIOCEXCL) so that no other program reads
/// the scanner's bytes. Owns the file descriptor and closes it in `deinit`.
final class SerialPort {
    let path: String
    private let descriptor: Int32

    init(path: String, settings: SerialPortSettings) throws(SerialPortError) {
        let descriptor = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw Self.openError(errno, path: path) }
        var attributes = termios()
        guard tcgetattr(descriptor, &attributes) == 0 else {
            let code = errno
            close(descriptor)
            throw code == ENOTTY || code == EINVAL ? .notATerminal(path: path) : .system(path: path, call: "tcgetattr", errno: code)
        }
        if ioctl(descriptor, UInt(TIOCEXCL)) != 0 {
            let code = errno
            close(descriptor)
            throw .system(path: path, call: "ioctl(TIOCEXCL)", errno: code)
        }
        settings.apply(to: &attributes)
        guard tcsetattr(descriptor, TCSANOW, &attributes) == 0 else {
            let code = errno
            close(descriptor)
            throw .system(path: path, call: "tcsetattr", errno: code)
        }
        // Bytes left from before (a half line, a previous session) must not start the first scan.
        tcflush(descriptor, TCIFLUSH)
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Waits up to `timeout` for bytes; returns what arrived (empty on timeout). Throws
    /// ``SerialPortError/disconnected(path:)`` when the device has gone away.
    func read(timeout: Duration, maxLength: Int = 4096) throws(SerialPortError) -> [UInt8] {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, Int32(clamping: timeout.components.seconds * 1000
                                                 + timeout.components.attoseconds / 1_000_000_000_000_000))
        if ready < 0 {
            if errno == EINTR { return [] }
            throw .system(path: path, call: "poll", errno: errno)
        }
        if ready == 0 { return [] }
        if request.revents & Int16(POLLNVAL) != 0 { throw .disconnected(path: path) }
        var buffer = [UInt8](repeating: 0, count: maxLength)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count > 0 { return Array(buffer.prefix(count)) }
        if count == 0 { throw .disconnected(path: path) }  // end of file on a tty: hangup
        switch errno {
        case EAGAIN, EINTR: return []
        case EIO, ENODEV, ENXIO: throw .disconnected(path: path)
        case let code: throw .system(path: path, call: "read", errno: code)
        }
    }

    static func openError(_ code: Int32, path: String) -> SerialPortError {
        switch code {
        case ENOENT, ENXIO, ENODEV, EIO: return .notFound(path: path)
        case EACCES, EPERM: return .permissionDenied(path: path)
        case EBUSY: return .busy(path: path)
        case ENOTTY: return .notATerminal(path: path)
        default: return .system(path: path, call: "open", errno: code)
        }
    }
}
