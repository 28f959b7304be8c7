#if canImport(Glibc)
import Glibc
#endif

/// Small, timeout-aware wrappers over poll(2), read(2) and friends shared by the TCP and device
/// file transports. Nothing here blocks longer than the deadline it is given.
enum PrinterPOSIX {
    enum Readiness: Equatable {
        case ready(revents: Int16)
        case timedOut
        case failed(errno: Int32)
    }

    /// Waits until `fd` has one of `events` or `deadline` passes; retries on EINTR.
    static func wait(fd: Int32, events: Int16, until deadline: ContinuousClock.Instant) -> Readiness {
        while true {
            let remaining = deadline - .now
            let ms = remaining <= .zero ? 0 : max(1, millisRoundedUp(remaining))
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let result = poll(&pfd, 1, Int32(clamping: ms))
            if result > 0 { return .ready(revents: pfd.revents) }
            if result == 0 {
                if ContinuousClock.now >= deadline { return .timedOut }
                continue  // woke early (timer granularity): wait out the rest
            }
            let code = errno
            if code == EINTR { continue }
            return .failed(errno: code)
        }
    }

    /// Readiness without waiting.
    static func peek(fd: Int32, events: Int16) -> Int16 {
        var pfd = pollfd(fd: fd, events: events, revents: 0)
        return poll(&pfd, 1, 0) > 0 ? pfd.revents : 0
    }

    /// Whole milliseconds in `duration`, for messages.
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }

    static func millisRoundedUp(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        let ms = Int(seconds) * 1000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
        return max(0, ms)
    }

    /// `strerror` text for an errno.
    static func message(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }

    /// Sleeps for a short, bounded time (waiting for acknowledgements that have no event).
    static func pause(microseconds: UInt32) {
        _ = usleep(microseconds)
    }

    /// close(2), callable from types that have a `close()` method of their own.
    static func closeDescriptor(_ fd: Int32) {
        _ = close(fd)
    }

    /// connect(2), callable from types that have a `connect` method of their own.
    static func connectSocket(_ fd: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        connect(fd, address, length)
    }

    /// write(2), callable from types that have a `write` method of their own.
    static func writeDescriptor(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
        write(fd, bytes, count)
    }

    /// read(2), callable from types that have a `read` method of their own.
    static func readDescriptor(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
        read(fd, bytes, count)
    }

    static var readable: Int16 { Int16(POLLIN) }
    static var writable: Int16 { Int16(POLLOUT) }
    static var failure: Int16 { Int16(POLLERR) | Int16(POLLHUP) | Int16(POLLNVAL) }
}
