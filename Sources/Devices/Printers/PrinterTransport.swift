import USB

/// How many bytes of a write reached the printer, as far as the link can tell.
///
/// Links differ in what they can prove: USB knows exactly what the device took (up to the chunk
/// in flight when a non-timeout error hit); TCP knows what the printer's network stack
/// acknowledged (`atLeast`) and what the station handed to its own kernel (`atMost`). A print
/// job treats a label as uncertain whenever `atMost > 0`.
public struct DeliveredBytes: Hashable, Sendable, CustomStringConvertible {
    /// Bytes certainly received by the printer.
    public var atLeast: Int
    /// Bytes that may have been received by the printer.
    public var atMost: Int

    public init(atLeast: Int, atMost: Int) {
        precondition(atLeast >= 0 && atLeast <= atMost, "delivered bytes: 0 <= atLeast <= atMost")
        self.atLeast = atLeast
        self.atMost = atMost
    }

    /// Exactly `count` bytes.
    public static func exactly(_ count: Int) -> DeliveredBytes { DeliveredBytes(atLeast: count, atMost: count) }

    /// Nothing left the station.
    public static let none = DeliveredBytes(atLeast: 0, atMost: 0)

    /// True when no byte can have reached the printer.
    public var isNone: Bool { atMost == 0 }

    public var description: String { atLeast == atMost ? "\(atLeast)" : "\(atLeast)–\(atMost)" }
}

/// The life of a transport's link to its printer.
public enum TransportState: Sendable, Hashable {
    /// Not connected; the next operation connects.
    case closed
    /// Connected and usable.
    case open
    /// The link failed; the next operation reconnects. Carries the failure for diagnostics.
    case broken(TransportError)
}

/// A failed transport operation, worded so that the operator knows what to do.
///
/// Errors raised while writing carry ``DeliveredBytes``: the part of the write that may have
/// reached the printer.
public enum TransportError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The configured address cannot be used.
    case invalidAddress(String, reason: String)
    /// The host name did not resolve.
    case resolutionFailed(host: String, reason: String)
    /// Nothing listens at the address (printer off, wrong port, or its raw port disabled).
    case connectionRefused(endpoint: String)
    /// No route to the printer (wrong network, cable, VLAN).
    case unreachable(endpoint: String, reason: String)
    /// The printer did not accept the connection in time.
    case connectTimedOut(endpoint: String, after: Duration)
    /// The link broke (reset, unplugged, closed by the printer) while or before data was written.
    case connectionLost(endpoint: String, delivered: DeliveredBytes, reason: String)
    /// The printer stopped taking data (paused, buffer full, faulted) for longer than the timeout.
    case writeTimedOut(endpoint: String, delivered: DeliveredBytes, after: Duration)
    /// The printer sent nothing within the timeout.
    case readTimedOut(endpoint: String, after: Duration)
    /// The printer closed the connection while a reply was awaited.
    case closedByPrinter(endpoint: String)
    /// This link cannot carry data back from the printer (a write-only file or a unidirectional port).
    case readUnsupported(endpoint: String)
    /// Another program or driver holds the device.
    case deviceBusy(path: String, holder: String)
    /// The device node or USB device is not there.
    case deviceMissing(path: String, reason: String)
    /// The station's user may not open the device.
    case permissionDenied(path: String, reason: String)
    /// The printer refused the data (USB endpoint stall); the halt was cleared.
    case stalled(endpoint: String, delivered: DeliveredBytes)
    /// Another USB failure, with the USB module's own explanation.
    case usb(endpoint: String, USBError, delivered: DeliveredBytes)
    /// Another operating-system failure.
    case system(endpoint: String, operation: String, errno: Int32, message: String, delivered: DeliveredBytes)

    /// The part of a write that may have reached the printer; ``DeliveredBytes/none`` for errors
    /// that happen before or outside a write.
    public var delivered: DeliveredBytes {
        switch self {
        case .connectionLost(_, let d, _), .writeTimedOut(_, let d, _), .stalled(_, let d), .usb(_, _, let d),
             .system(_, _, _, _, let d):
            return d
        default:
            return .none
        }
    }

    /// True for failures that mean "the printer cannot be reached at all" (as opposed to a
    /// link that worked and then failed).
    public var isUnreachable: Bool {
        switch self {
        case .invalidAddress, .resolutionFailed, .connectionRefused, .unreachable, .connectTimedOut, .deviceBusy,
             .deviceMissing, .permissionDenied:
            return true
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case let .invalidAddress(address, reason):
            return "address \"\(address)\" cannot be used: \(reason)"
        case let .resolutionFailed(host, reason):
            return "cannot resolve printer host \(host) (\(reason)); use the printer's IP address or fix DNS"
        case let .connectionRefused(endpoint):
            return "\(endpoint) refused the connection: check that the printer is on, that the address and port "
                + "are right (raw printing is usually port 9100) and that raw TCP printing is enabled"
        case let .unreachable(endpoint, reason):
            return "\(endpoint) is unreachable (\(reason)): check the cable, Wi-Fi and the printer's IP address"
        case let .connectTimedOut(endpoint, after):
            return "\(endpoint) did not answer within \(PrinterPOSIX.milliseconds(after)) ms: check that the printer is on and on this network"
        case let .connectionLost(endpoint, delivered, reason):
            return "the link to \(endpoint) broke after \(delivered) byte(s) (\(reason))"
        case let .writeTimedOut(endpoint, delivered, after):
            return "\(endpoint) took no data for \(PrinterPOSIX.milliseconds(after)) ms after \(delivered) byte(s): the printer is paused, "
                + "faulted or its buffer is full; check it and resume"
        case let .readTimedOut(endpoint, after):
            return "\(endpoint) sent nothing within \(PrinterPOSIX.milliseconds(after)) ms"
        case let .closedByPrinter(endpoint):
            return "\(endpoint) closed the connection"
        case let .readUnsupported(endpoint):
            return "\(endpoint) cannot send data back, so its status cannot be read; use a bidirectional link "
                + "(USB, TCP) to see paper-out and head-open"
        case let .deviceBusy(path, holder):
            return "\(path) is in use by \(holder): stop the other program (e.g. CUPS) or unload the driver holding it"
        case let .deviceMissing(path, reason):
            return "\(path) is not there (\(reason)): check that the printer is plugged in and switched on"
        case let .permissionDenied(path, reason):
            return "no permission to open \(path) (\(reason)): install Config/udev/60-station.rules and run "
                + "`udevadm control --reload && udevadm trigger`, or add the station user to the group that owns it "
                + "(usually `lp`)"
        case let .stalled(endpoint, delivered):
            return "\(endpoint) refused data after \(delivered) byte(s) (endpoint stalled): the printer reports an error; "
                + "check paper and head, then resume"
        case let .usb(endpoint, error, delivered):
            return delivered.isNone ? "\(endpoint): \(error)" : "\(endpoint): \(error) after \(delivered) byte(s)"
        case let .system(endpoint, operation, errno, message, delivered):
            let after = delivered.isNone ? "" : " after \(delivered) byte(s)"
            return "\(endpoint): \(operation) failed\(after): \(message) (errno \(errno))"
        }
    }
}

/// A bidirectional byte link to one printer: TCP port 9100, a device file, or USB bulk endpoints.
///
/// Every operation takes an explicit timeout and blocks the calling thread for at most about
/// that long; ``DirectLabelPrinter`` runs them on its own serial queue, never on the shared
/// concurrency pool. Operations on a closed or broken transport reconnect first.
/// Implementations serialise their own operations, so a transport may be shared.
public protocol PrinterTransport: AnyObject, Sendable {
    /// Where the printer is, for messages: `tcp://10.0.0.5:9100`, `/dev/usb/lp0`, `usb:0a5f:0100`.
    var endpoint: String { get }
    /// The link's current state.
    var state: TransportState { get }
    /// Whether this link can carry data back from the printer (status replies).
    var canRead: Bool { get }

    /// Opens the link if it is not open. `timeout` bounds the whole attempt.
    func connect(timeout: Duration) throws(TransportError)

    /// Writes all of `bytes` and returns how many reached the printer (all of them).
    ///
    /// `timeout` is an inactivity limit: the write fails with
    /// ``TransportError/writeTimedOut(endpoint:delivered:after:)`` when the printer accepts no
    /// byte for that long, so a large label on a slow link is not cut off. Errors carry the
    /// ``DeliveredBytes`` of this call.
    @discardableResult
    func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) -> Int

    /// Returns the bytes available now, waiting up to `timeout` for the first one; throws
    /// ``TransportError/readTimedOut(endpoint:after:)`` when none came.
    func read(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8]

    /// Drops input that is already waiting (e.g. a late reply to an earlier, timed-out query),
    /// so the next query reads its own reply. Returns how many bytes were dropped.
    @discardableResult
    func discardPendingInput() -> Int

    /// Closes the link. After a failed write, bytes still queued on the station are discarded
    /// rather than delivered later.
    func close()
}
