import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A running scanner: its scans, rejections and status changes as an `AsyncStream`.
///
/// Each reader reads on a dedicated thread with short timeouts, so it never blocks the
/// station's tasks and stops promptly. ``events`` finishes after ``stop()`` (which `deinit` also
/// calls); when the consumer stops iterating, the reader stops on its own.
public protocol ScannerReader: AnyObject, Sendable {
    /// The configured scanner name, repeated in every event.
    var name: String { get }
    /// Events in the order they happened.
    var events: AsyncStream<ScannerEvent> { get }
    /// Stops reading, releases the device (re-attaching a detached kernel driver), reports
    /// ``ScannerConnectionState/stopped`` and finishes ``events``. Blocks for at most about one
    /// poll interval; idempotent.
    func stop()
}

/// The thread, stop flag, status de-duplication and debouncing every reader shares. The reader
/// thread retains only this object, never the public reader, so dropping the reader stops it.
final class ReaderLoop: @unchecked Sendable {
    let name: String
    let settings: ScannerSettings
    let continuation: AsyncStream<ScannerEvent>.Continuation
    /// Signalled to cut a wait short: stop requests and hotplug arrivals.
    let wake = DispatchSemaphore(value: 0)
    private let origin = ContinuousClock.now
    private let lock = NSLock()
    private var stopping = false
    private var lastState: ScannerConnectionState?
    private var debouncer: ScanDebouncer
    private let finished = DispatchSemaphore(value: 0)
    private let joinLock = NSLock()
    private var joined = false
    private var started = false

    init(name: String, settings: ScannerSettings, continuation: AsyncStream<ScannerEvent>.Continuation) {
        self.name = name
        self.settings = settings
        self.continuation = continuation
        debouncer = ScanDebouncer(window: settings.debounce)
    }

    /// Monotonic time since the reader started; what the decoders and the debouncer run on.
    var now: Duration { ContinuousClock.now - origin }

    var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// Runs `body` on a new thread named `threadName`.
    func start(threadName: String, body: @escaping @Sendable (ReaderLoop) -> Void) {
        lock.lock()
        started = true
        lock.unlock()
        let thread = Thread { [self] in
            body(self)
            finished.signal()
        }
        thread.name = threadName
        thread.start()
    }

    /// Asks the thread to finish without waiting; safe from any thread.
    func requestStop() {
        lock.lock()
        let first = !stopping
        stopping = true
        lock.unlock()
        if first { wake.signal() }
    }

    /// Stops, waits for the thread, reports `stopped` and finishes the stream. Idempotent.
    func stop() {
        requestStop()
        joinLock.lock()
        defer { joinLock.unlock() }
        guard !joined else { return }
        joined = true
        lock.lock()
        let wasStarted = started
        lock.unlock()
        if wasStarted { finished.wait() }
        status(.stopped, force: true)
        continuation.finish()
    }

    /// Waits `duration` or until woken; false when the reader is stopping.
    func pause(_ duration: Duration) -> Bool {
        guard !isStopping else { return false }
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
        _ = wake.wait(timeout: .now() + .nanoseconds(max(1, nanoseconds)))
        return !isStopping
    }

    /// Waits the whole of `duration` (hotplug wake-ups do not cut it short); false when stopping.
    func settle(_ duration: Duration) -> Bool {
        let deadline = ContinuousClock.now + duration
        while !isStopping, ContinuousClock.now < deadline {
            _ = pause(deadline - ContinuousClock.now)
        }
        return !isStopping
    }

    /// Reports a connection state unless it is the one reported last.
    func status(_ state: ScannerConnectionState, force: Bool = false) {
        lock.lock()
        let changed = force || state != lastState
        lastState = state
        lock.unlock()
        if changed { continuation.yield(.status(ScannerStatus(scanner: name, state: state, at: Date()))) }
    }

    /// Turns decoder output into events, debouncing accepted scans.
    func deliver(_ decoded: [DecodedScan]) {
        for item in decoded {
            switch item {
            case let .scan(bytes, symbology):
                let input = ScanInput(bytes: bytes, symbology: symbology, scanner: name, receivedAt: Date())
                lock.lock()
                let decision = debouncer.admit(bytes, at: now)
                lock.unlock()
                switch decision {
                case .accept: continuation.yield(.scan(input))
                case .duplicate: continuation.yield(.duplicate(input))
                }
            case let .rejected(reason, prefix):
                continuation.yield(.rejected(ScanRejection(reason: reason, prefix: prefix, scanner: name, receivedAt: Date())))
            }
        }
    }
}

/// Reads scans from a file descriptor that is not a device the station manages: standard input
/// (a keyboard-wedge scanner typing into a terminal, or a script piping codes), a FIFO.
/// Lines end with CR, LF or CRLF unless the settings say otherwise. ``events`` finishes when the
/// input ends, or on ``stop()``. The descriptor is not closed.
public final class FileDescriptorScannerReader: ScannerReader {
    /// The configured scanner name.
    public let name: String
    /// Scans, rejections and status changes; see ``ScannerReader``.
    public let events: AsyncStream<ScannerEvent>
    private let loop: ReaderLoop

    /// Starts reading `descriptor` (standard input by default).
    public init(name: String, descriptor: Int32 = STDIN_FILENO, settings: ScannerSettings = ScannerSettings()) {
        let (events, continuation) = AsyncStream.makeStream(of: ScannerEvent.self)
        self.name = name
        self.events = events
        let loop = ReaderLoop(name: name, settings: settings, continuation: continuation)
        self.loop = loop
        continuation.onTermination = { [weak loop] _ in loop?.requestStop() }
        loop.start(threadName: "scanner-\(name)") { loop in
            Self.run(loop, descriptor: descriptor)
        }
    }

    deinit { loop.stop() }

    /// Stops reading and finishes ``events``; see ``ScannerReader/stop()``.
    public func stop() { loop.stop() }

    private static func run(_ loop: ReaderLoop, descriptor: Int32) {
        var framer = ScanFramer(framing: loop.settings.framing)
        let label = descriptor == STDIN_FILENO ? "standard input" : "file descriptor \(descriptor)"
        loop.status(.connected(device: label))
        let timeout = Int32(clamping: loop.settings.pollInterval.components.seconds * 1000
                                + loop.settings.pollInterval.components.attoseconds / 1_000_000_000_000_000)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !loop.isStopping {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, max(1, timeout))
            if ready < 0 && errno != EINTR { break }
            if ready <= 0 {
                loop.deliver(framer.advance(to: loop.now))
                continue
            }
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 {
                loop.deliver(framer.feed(buffer.prefix(count), at: loop.now))
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                break
            }
        }
        // End of input ends the last line as a terminator would (`printf 'code' | station …`).
        if !loop.isStopping, let terminator = loop.settings.framing.terminators.min(by: { $0.byte < $1.byte }) {
            loop.deliver(framer.feed(terminator.byte, at: loop.now))
        }
        loop.deliver(framer.finish())
        if !loop.isStopping {
            loop.status(.disconnected(reason: "end of input"))
            loop.continuation.finish()
        }
    }
}
