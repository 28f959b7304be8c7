import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Raw TCP printing ("port 9100", "JetDirect", "raw socket"): label bytes go straight to the
/// printer's command interpreter and status queries are answered on the same connection.
///
/// The socket is non-blocking and every wait is a `poll(2)` with a deadline. A write returns
/// only when the printer's network stack has acknowledged every byte (the unacknowledged count
/// comes from `SIOCOUTQ`), so a receipt means the bytes left the station; when a write fails,
/// the error's ``DeliveredBytes`` spans what was acknowledged to what was handed to the kernel,
/// and the connection is reset so that bytes still queued on the station are thrown away
/// instead of printing later on their own.
///
/// Waiting for acknowledgements costs one round trip per label, plus the printer's ACK delay if
/// its TCP stack delays ACKs (embedded printer stacks usually acknowledge each segment).
///
/// The connection is opened on first use and re-opened on demand: before each write the
/// transport checks whether the printer closed an idle connection (many do after a minute) and
/// reconnects instead of writing into a dead socket. Host names are resolved with
/// `getaddrinfo`, which the timeout does not cover; configure printers by IP address.
public final class TCPPrinterTransport: PrinterTransport, @unchecked Sendable {
    /// The port label printers listen on for raw jobs.
    public static let rawPrintingPort: UInt16 = 9100

    public let host: String
    public let port: UInt16
    /// Limit for establishing a connection, used when an operation has to (re)connect.
    public let connectTimeout: Duration
    public var endpoint: String { host.contains(":") ? "tcp://[\(host)]:\(port)" : "tcp://\(host):\(port)" }
    public var canRead: Bool { true }

    private let lock = NSLock()
    private var fd: Int32 = -1
    private var current: TransportState = .closed

    public init(host: String, port: UInt16 = TCPPrinterTransport.rawPrintingPort, connectTimeout: Duration = .seconds(3)) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
    }

    /// A transport for `host:port`, `[v6-address]:port`, or a bare host (port 9100).
    public convenience init(address: String, connectTimeout: Duration = .seconds(3)) throws(TransportError) {
        let (host, port) = try Self.parseAddress(address)
        self.init(host: host, port: port, connectTimeout: connectTimeout)
    }

    deinit {
        if fd >= 0 { PrinterPOSIX.closeDescriptor(fd) }
    }

    /// Splits `host:port`, `[v6]:port` or `host` (port 9100). Pure; used for configuration checks.
    public static func parseAddress(_ text: String) throws(TransportError) -> (host: String, port: UInt16) {
        let address = text.trimmingCharacters(in: .whitespaces)
        func bad(_ reason: String) -> TransportError { .invalidAddress(text, reason: reason) }
        guard !address.isEmpty else { throw bad("expected host:port, e.g. 192.168.1.50:9100") }
        var host = address
        var portText: Substring?
        if address.hasPrefix("[") {
            guard let close = address.firstIndex(of: "]") else { throw bad("missing ] after an IPv6 address") }
            host = String(address[address.index(after: address.startIndex)..<close])
            let rest = address[address.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":") else { throw bad("expected :port after ]") }
                portText = rest.dropFirst()
            }
        } else if let colon = address.lastIndex(of: ":") {
            guard address.firstIndex(of: ":") == colon else {
                throw bad("write IPv6 addresses in brackets, e.g. [fe80::1]:9100")
            }
            host = String(address[..<colon])
            portText = address[address.index(after: colon)...]
        }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else {
            throw bad("expected a host name or IP address before the port")
        }
        var port = rawPrintingPort
        if let portText {
            guard let value = UInt16(portText), value > 0 else { throw bad("port \"\(portText)\" must be a number from 1 to 65535") }
            port = value
        }
        return (host, port)
    }

    public var state: TransportState {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    // MARK: Connecting

    public func connect(timeout: Duration) throws(TransportError) {
        lock.lock()
        defer { lock.unlock() }
        try connectLocked(timeout: timeout)
    }

    private func connectLocked(timeout: Duration) throws(TransportError) {
        if fd >= 0, current == .open { return }
        abortLocked(reason: nil)
        let deadline = ContinuousClock.now + timeout
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            let reason = resolved == EAI_SYSTEM ? PrinterPOSIX.message(errno) : String(cString: gai_strerror(resolved))
            throw .resolutionFailed(host: host, reason: reason)
        }
        defer { freeaddrinfo(first) }
        var failure = TransportError.connectTimedOut(endpoint: endpoint, after: timeout)
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry, ContinuousClock.now < deadline {
            entry = info.pointee.ai_next
            let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let candidate = socket(info.pointee.ai_family, socketType, info.pointee.ai_protocol)
            guard candidate >= 0 else {
                failure = .system(endpoint: endpoint, operation: "socket", errno: errno, message: PrinterPOSIX.message(errno), delivered: .none)
                continue
            }
            var code: Int32 = 0
            if PrinterPOSIX.connectSocket(candidate, info.pointee.ai_addr, info.pointee.ai_addrlen) != 0 {
                code = errno
                if code == EINPROGRESS || code == EINTR {
                    switch PrinterPOSIX.wait(fd: candidate, events: PrinterPOSIX.writable, until: deadline) {
                    case .ready:
                        code = Self.pendingError(candidate)
                    case .timedOut:
                        code = ETIMEDOUT
                    case .failed(let e):
                        code = e
                    }
                }
            }
            if code == 0 {
                configure(candidate)
                fd = candidate
                current = .open
                return
            }
            PrinterPOSIX.closeDescriptor(candidate)
            failure = connectError(code, timeout: timeout)
        }
        throw failure
    }

    private func connectError(_ code: Int32, timeout: Duration) -> TransportError {
        switch code {
        case ECONNREFUSED: return .connectionRefused(endpoint: endpoint)
        case ETIMEDOUT: return .connectTimedOut(endpoint: endpoint, after: timeout)
        case ENETUNREACH, EHOSTUNREACH, ENETDOWN, EHOSTDOWN, EADDRNOTAVAIL:
            return .unreachable(endpoint: endpoint, reason: PrinterPOSIX.message(code))
        default:
            return .system(endpoint: endpoint, operation: "connect", errno: code, message: PrinterPOSIX.message(code), delivered: .none)
        }
    }

    /// Small status queries must leave at once (no Nagle delay); keepalive notices a printer
    /// that was switched off while the connection sat idle.
    private func configure(_ socket: Int32) {
        var on: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, size)
        _ = setsockopt(socket, SOL_SOCKET, SO_KEEPALIVE, &on, size)
        var idle: Int32 = 15, interval: Int32 = 5, count: Int32 = 3
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        _ = setsockopt(socket, Int32(IPPROTO_TCP), TCP_KEEPCNT, &count, size)
    }

    private static func pendingError(_ socket: Int32) -> Int32 {
        var code: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(socket, SOL_SOCKET, SO_ERROR, &code, &size) == 0 else { return errno }
        return code
    }

    /// Bytes written but not yet acknowledged by the printer (Linux `SIOCOUTQ`).
    private func unacknowledged() -> Int? {
        var count: Int32 = 0
        guard ioctl(fd, UInt(0x5411) /* SIOCOUTQ = TIOCOUTQ */, &count) == 0 else { return nil }
        return Int(count)
    }

    /// Bytes written but never transmitted (Linux `SIOCOUTQNSD`): these cannot have reached the
    /// printer. Still answered after a reset, which leaves the sequence numbers in place.
    private func untransmitted() -> Int? {
        var count: Int32 = 0
        guard ioctl(fd, UInt(0x894B) /* SIOCOUTQNSD */, &count) == 0 else { return nil }
        return Int(count)
    }

    /// Whether the printer closed the connection while it was idle (EOF or error pending).
    private func peerHasClosed() -> Bool {
        let revents = PrinterPOSIX.peek(fd: fd, events: PrinterPOSIX.readable)
        if revents & PrinterPOSIX.failure != 0 { return true }
        guard revents & PrinterPOSIX.readable != 0 else { return false }
        var byte: UInt8 = 0
        let n = recv(fd, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
    }

    // MARK: Writing

    @discardableResult
    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0, current == .open, peerHasClosed() { abortLocked(reason: nil) }
        try connectLocked(timeout: connectTimeout)
        let baseline = unacknowledged() ?? 0
        let unsentBaseline = untransmitted() ?? 0
        var written = 0
        var deadline = ContinuousClock.now + timeout

        // Acknowledged bytes certainly arrived; transmitted ones may have; queued ones did not.
        func delivered() -> DeliveredBytes {
            let pending = min(written, max(0, (unacknowledged() ?? (written + baseline)) - baseline))
            let unsent = min(pending, max(0, (untransmitted() ?? unsentBaseline) - unsentBaseline))
            return DeliveredBytes(atLeast: written - pending, atMost: written - unsent)
        }
        func fail(_ make: (DeliveredBytes) -> TransportError) -> TransportError {
            let error = make(delivered())
            abortLocked(reason: error)
            return error
        }

        while written < bytes.count {
            let n = bytes.withUnsafeBufferPointer { buffer in
                send(fd, buffer.baseAddress! + written, buffer.count - written, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                written += n
                deadline = .now + timeout
                continue
            }
            let code = errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                switch PrinterPOSIX.wait(fd: fd, events: PrinterPOSIX.writable, until: deadline) {
                case .ready(let revents):
                    if revents & PrinterPOSIX.failure != 0, case let pending = Self.pendingError(fd), pending != 0 {
                        throw fail { .connectionLost(endpoint: endpoint, delivered: $0, reason: PrinterPOSIX.message(pending)) }
                    }
                case .timedOut:
                    throw fail { .writeTimedOut(endpoint: endpoint, delivered: $0, after: timeout) }
                case .failed(let e):
                    throw fail { .system(endpoint: endpoint, operation: "poll", errno: e, message: PrinterPOSIX.message(e), delivered: $0) }
                }
                continue
            }
            throw fail { .connectionLost(endpoint: endpoint, delivered: $0, reason: PrinterPOSIX.message(code)) }
        }

        // Wait for the acknowledgements: only they say the bytes reached the printer.
        var pending = max(0, (unacknowledged() ?? 0) - baseline)
        var nap: UInt32 = 20
        while pending > 0 {
            let code = Self.pendingError(fd)
            if code != 0 {
                throw fail { .connectionLost(endpoint: endpoint, delivered: $0, reason: PrinterPOSIX.message(code)) }
            }
            if ContinuousClock.now >= deadline {
                throw fail { .writeTimedOut(endpoint: endpoint, delivered: $0, after: timeout) }
            }
            PrinterPOSIX.pause(microseconds: nap)
            nap = min(nap * 2, 5_000)
            let now = max(0, (unacknowledged() ?? 0) - baseline)
            if now < pending { deadline = .now + timeout }
            pending = now
        }
        return written
    }

    // MARK: Reading

    public func read(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read length must be positive")
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0, current == .open else {
            throw .connectionLost(endpoint: endpoint, delivered: .none, reason: "not connected; a reply can only come on the connection that asked")
        }
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: maxLength)
        while true {
            // Acknowledge at once: a printer's Nagle algorithm holds the next segment of a reply
            // (e.g. the ~HQES frame after the ~HS lines) until it sees our ACK, which Linux
            // would otherwise delay by up to 40 ms. The option resets itself, so set it each time.
            var quick: Int32 = 1
            _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_QUICKACK, &quick, socklen_t(MemoryLayout<Int32>.size))
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, maxLength, Int32(MSG_DONTWAIT)) }
            if n > 0 { return Array(buffer.prefix(n)) }
            if n == 0 {
                let error = TransportError.closedByPrinter(endpoint: endpoint)
                abortLocked(reason: error)
                throw error
            }
            let code = errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                let error = TransportError.connectionLost(endpoint: endpoint, delivered: .none, reason: PrinterPOSIX.message(code))
                abortLocked(reason: error)
                throw error
            }
            switch PrinterPOSIX.wait(fd: fd, events: PrinterPOSIX.readable, until: deadline) {
            case .ready:
                continue
            case .timedOut:
                throw .readTimedOut(endpoint: endpoint, after: timeout)
            case .failed(let e):
                throw .system(endpoint: endpoint, operation: "poll", errno: e, message: PrinterPOSIX.message(e), delivered: .none)
            }
        }
    }

    @discardableResult
    public func discardPendingInput() -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0, current == .open else { return 0 }
        var dropped = 0
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n > 0 { dropped += n; continue }
            if n == 0 { abortLocked(reason: .closedByPrinter(endpoint: endpoint)) }
            if n < 0, errno == EINTR { continue }
            return dropped
        }
    }

    // MARK: Closing

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        if fd >= 0 { PrinterPOSIX.closeDescriptor(fd) }
        fd = -1
        current = .closed
    }

    /// Resets the connection (RST), discarding anything still queued for the printer.
    private func abortLocked(reason: TransportError?) {
        if fd >= 0 {
            var linger = linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<linger>.size))
            PrinterPOSIX.closeDescriptor(fd)
        }
        fd = -1
        current = reason.map { .broken($0) } ?? .closed
    }
}
