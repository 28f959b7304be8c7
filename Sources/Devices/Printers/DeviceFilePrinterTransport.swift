import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A printer reached through a device file: the kernel's USB printer driver (`/dev/usb/lp0`,
/// module usblp), a serial port (`/dev/ttyUSB0`, set to raw mode), a parallel port, or — for
/// write-only set-ups — a FIFO or regular file.
///
/// The file is opened non-blocking and every wait is a `poll(2)` with a deadline. Regular files
/// and FIFOs cannot carry replies (``canRead`` is false). The file is never created: a mistyped
/// path must fail, not leave a regular file in `/dev`.
public final class DeviceFilePrinterTransport: PrinterTransport, @unchecked Sendable {
    /// What the path turned out to be when it was opened.
    public enum Kind: String, Sendable {
        /// A character device such as `/dev/usb/lp0`: bidirectional if the printer is.
        case characterDevice
        /// A terminal (serial port): switched to raw mode so no byte is translated.
        case terminal
        /// A FIFO read by another program: write-only.
        case fifo
        /// A regular file: write-only, appended to.
        case regularFile
    }

    public let path: String
    public var endpoint: String { path }

    private let lock = NSLock()
    private var fd: Int32 = -1
    private var current: TransportState = .closed
    private var openedKind: Kind?

    public init(path: String) {
        self.path = path
    }

    deinit {
        if fd >= 0 { PrinterPOSIX.closeDescriptor(fd) }
    }

    public var state: TransportState {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// The kind of file found at the last successful open.
    public var kind: Kind? {
        lock.lock()
        defer { lock.unlock() }
        return openedKind
    }

    /// Device files and terminals can carry replies; FIFOs and regular files cannot. Before the
    /// first open, the path decides.
    public var canRead: Bool {
        lock.lock()
        defer { lock.unlock() }
        if let openedKind { return openedKind == .characterDevice || openedKind == .terminal }
        var info = stat()
        guard stat(path, &info) == 0 else { return true }
        return info.st_mode & S_IFMT == S_IFCHR
    }

    // MARK: Opening

    public func connect(timeout: Duration) throws(TransportError) {
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
    }

    private func openLocked() throws(TransportError) {
        if fd >= 0, current == .open { return }
        closeLocked(reason: nil)
        var info = stat()
        guard stat(path, &info) == 0 else { throw Self.openError(errno, path: path) }
        let kind: Kind
        let flags: Int32
        switch info.st_mode & S_IFMT {
        case S_IFCHR:
            kind = .characterDevice
            flags = O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY
        case S_IFIFO:
            kind = .fifo
            flags = O_WRONLY | O_NONBLOCK | O_CLOEXEC
        case S_IFREG:
            kind = .regularFile
            flags = O_WRONLY | O_APPEND | O_CLOEXEC
        default:
            throw .invalidAddress(path, reason: "not a device, FIFO or file (a directory?)")
        }
        let opened = open(path, flags)
        guard opened >= 0 else {
            let code = errno
            if kind == .fifo, code == ENXIO {
                throw .deviceMissing(path: path, reason: "no program is reading this FIFO")
            }
            throw Self.openError(code, path: path)
        }
        var finalKind = kind
        if kind == .characterDevice, isatty(opened) != 0 {
            finalKind = .terminal
            var settings = termios()
            if tcgetattr(opened, &settings) == 0 {
                cfmakeraw(&settings)
                _ = tcsetattr(opened, TCSANOW, &settings)
            }
        }
        fd = opened
        openedKind = finalKind
        current = .open
    }

    /// What an errno from open(2) means for a printer device file. Pure; tested with a table.
    public static func openError(_ code: Int32, path: String) -> TransportError {
        switch code {
        case EACCES, EPERM:
            return .permissionDenied(path: path, reason: PrinterPOSIX.message(code))
        case EBUSY:
            return .deviceBusy(path: path, holder: "another program (CUPS's usb backend, a second station) that has it open")
        case ENOENT:
            return .deviceMissing(path: path, reason: "no such file; the printer is unplugged or the usblp module is not loaded")
        case ENODEV, ENXIO:
            return .deviceMissing(path: path, reason: "the device behind this file is gone (unplugged or switched off)")
        case EISDIR:
            return .invalidAddress(path, reason: "is a directory")
        default:
            return .system(endpoint: path, operation: "open", errno: code, message: PrinterPOSIX.message(code), delivered: .none)
        }
    }

    /// What an errno from write(2) or read(2) on an open printer file means. Pure.
    public static func transferError(_ code: Int32, path: String, delivered: DeliveredBytes, operation: String) -> TransportError {
        switch code {
        case ENODEV, ENXIO, EIO, EPIPE, ESHUTDOWN:
            return .connectionLost(endpoint: path, delivered: delivered, reason: "\(PrinterPOSIX.message(code)): unplugged, switched off or faulted")
        case ENOSPC:
            return .connectionLost(endpoint: path, delivered: delivered, reason: "the printer driver reports the printer out of paper")
        case EINVAL where operation == "read":
            return .readUnsupported(endpoint: path)
        default:
            return .system(endpoint: path, operation: operation, errno: code, message: PrinterPOSIX.message(code), delivered: delivered)
        }
    }

    // MARK: Writing

    @discardableResult
    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        var written = 0
        var lastChunk = 0
        var deadline = ContinuousClock.now + timeout
        // The driver confirms a chunk only when it accepts the next one; the last accepted chunk
        // may still be in flight when a later write fails.
        func delivered() -> DeliveredBytes { DeliveredBytes(atLeast: written - lastChunk, atMost: written) }
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { PrinterPOSIX.writeDescriptor(fd, $0.baseAddress! + written, $0.count - written) }
            if n > 0 {
                written += n
                lastChunk = n
                deadline = .now + timeout
                continue
            }
            let code = n == 0 ? EAGAIN : errno
            if code == EINTR { continue }
            if code == EAGAIN || code == EWOULDBLOCK {
                switch PrinterPOSIX.wait(fd: fd, events: PrinterPOSIX.writable, until: deadline) {
                case .ready(let revents) where revents & (Int16(POLLERR) | Int16(POLLHUP)) != 0 && revents & PrinterPOSIX.writable == 0:
                    let error = TransportError.connectionLost(endpoint: path, delivered: delivered(), reason: "the device hung up")
                    closeLocked(reason: error)
                    throw error
                case .ready:
                    continue
                case .timedOut:
                    throw TransportError.writeTimedOut(endpoint: path, delivered: delivered(), after: timeout)
                case .failed(let e):
                    throw TransportError.system(endpoint: path, operation: "poll", errno: e, message: PrinterPOSIX.message(e), delivered: delivered())
                }
            }
            let error = Self.transferError(code, path: path, delivered: delivered(), operation: "write")
            if case .connectionLost = error { closeLocked(reason: error) }
            throw error
        }
        return written
    }

    // MARK: Reading

    public func read(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read length must be positive")
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        guard openedKind == .characterDevice || openedKind == .terminal else { throw .readUnsupported(endpoint: path) }
        let deadline = ContinuousClock.now + timeout
        var buffer = [UInt8](repeating: 0, count: maxLength)
        while true {
            let n = buffer.withUnsafeMutableBytes { PrinterPOSIX.readDescriptor(fd, $0.baseAddress!, maxLength) }
            if n > 0 { return Array(buffer.prefix(n)) }
            if n == 0, openedKind == .terminal || PrinterPOSIX.peek(fd: fd, events: PrinterPOSIX.readable) & Int16(POLLHUP) != 0 {
                // End of file on a terminal, or a hang-up: the device is gone.
                let error = TransportError.connectionLost(endpoint: path, delivered: .none, reason: "the device hung up")
                closeLocked(reason: error)
                throw error
            }
            let code = n == 0 ? EAGAIN : errno
            if code == EINTR { continue }
            guard code == EAGAIN || code == EWOULDBLOCK else {
                let error = Self.transferError(code, path: path, delivered: .none, operation: "read")
                if case .connectionLost = error { closeLocked(reason: error) }
                throw error
            }
            if ContinuousClock.now >= deadline { throw .readTimedOut(endpoint: path, after: timeout) }
            if n == 0 {
                // usblp answers a read with 0 bytes when the printer has nothing to say; ask again shortly.
                PrinterPOSIX.pause(microseconds: 2_000)
                continue
            }
            switch PrinterPOSIX.wait(fd: fd, events: PrinterPOSIX.readable, until: deadline) {
            case .ready(let revents) where revents & Int16(POLLHUP) != 0 && revents & PrinterPOSIX.readable == 0:
                let error = TransportError.connectionLost(endpoint: path, delivered: .none, reason: "the device hung up")
                closeLocked(reason: error)
                throw error
            case .ready:
                continue
            case .timedOut:
                throw .readTimedOut(endpoint: path, after: timeout)
            case .failed(let e):
                throw .system(endpoint: path, operation: "poll", errno: e, message: PrinterPOSIX.message(e), delivered: .none)
            }
        }
    }

    @discardableResult
    public func discardPendingInput() -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard fd >= 0, current == .open, openedKind == .characterDevice || openedKind == .terminal else { return 0 }
        var dropped = 0
        var buffer = [UInt8](repeating: 0, count: 1024)
        for _ in 0..<64 {
            let n = buffer.withUnsafeMutableBytes { PrinterPOSIX.readDescriptor(fd, $0.baseAddress!, $0.count) }
            guard n > 0 else { break }
            dropped += n
        }
        return dropped
    }

    // MARK: Closing

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        closeLocked(reason: nil)
    }

    private func closeLocked(reason: TransportError?) {
        if fd >= 0 { PrinterPOSIX.closeDescriptor(fd) }
        fd = -1
        current = reason.map { .broken($0) } ?? .closed
    }
}
