import Foundation
import Testing
@testable import Devices

/// A pseudo-terminal pair standing in for a printer's device file: the transport opens the
/// slave path (a character device, like `/dev/usb/lp0` or `/dev/ttyUSB0`), the test plays the
/// printer on the master side. Both sides are raw, so every byte passes unchanged.
final class PseudoTerminalPrinter: @unchecked Sendable {
    let master: Int32
    let path: String
    private let lock = NSLock()
    private var received: [UInt8] = []
    private var reply: (@Sendable ([UInt8]) -> [UInt8]?)?
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)

    /// `reply` sees everything received so far and returns bytes to answer with (consuming it) or nil.
    init(reply: (@Sendable ([UInt8]) -> [UInt8]?)?) throws {
        // posix_openpt/unlockpt/ptsname, as glibc implements them on Linux.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, UInt(0x4004_5431) /* TIOCSPTLCK */, &unlock) == 0,
              ioctl(master, UInt(0x8004_5430) /* TIOCGPTN */, &number) == 0 else {
            throw TransportError.system(endpoint: "/dev/ptmx", operation: "open", errno: errno, message: "no pseudo-terminal", delivered: .none)
        }
        path = "/dev/pts/\(number)"
        var settings = termios()
        tcgetattr(master, &settings)
        cfmakeraw(&settings)
        tcsetattr(master, TCSANOW, &settings)
        self.reply = reply
        Thread { [self] in pump() }.start()
    }

    deinit { stop() }

    func stop() {
        lock.lock()
        let first = !stopped
        stopped = true
        lock.unlock()
        if first {
            done.wait()
            close(master)
        }
    }

    var bytes: [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func pump() {
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            lock.lock()
            let finish = stopped
            lock.unlock()
            if finish { break }
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 20) > 0 else { continue }
            let n = read(master, &buffer, buffer.count)
            guard n > 0 else { continue }
            lock.lock()
            received += buffer.prefix(n)
            lock.unlock()
            pending += buffer.prefix(n)
            if let reply, let answer = reply(pending) {
                pending.removeAll()
                _ = answer.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
            }
        }
        done.signal()
    }
}

@Suite(.timeLimit(.minutes(1)))
struct DeviceFilePrinterTests {
    static let hsReady = hostStatusReply("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,6,0,00000000,1,000")
    static let hsPaperOut = hostStatusReply("030,1,0,1245,000,0,0,0,000,0,0,0", "001,0,0,0,1,2,6,0,00000000,1,000")

    @Test func labelBytesAndStatusOverABidirectionalDeviceFile() async throws {
        let paperOut = Atomic(false)
        let device = try PseudoTerminalPrinter { received in
            guard received.count >= 3, Array(received.suffix(3)) == Array("~HS".utf8) else { return nil }
            return paperOut.value ? Self.hsPaperOut : Self.hsReady
        }
        let transport = DeviceFilePrinterTransport(path: device.path)
        let options = DirectLabelPrinter.Options(statusTimeout: .milliseconds(500), queryZPLErrors: false)
        let p = DirectLabelPrinter(name: "lp", language: .zpl, dpi: 203, transport: transport, options: options)
        let label = zplLabel("K7QM2X9PA4")
        #expect(try await p.send(label).bytesWritten == label.bytes.count)
        #expect(transport.kind == .terminal && transport.canRead)
        paperOut.value = true
        #expect(try await p.status().faults == [.paperOut])
        await #expect(throws: PrinterError.notReady(printer: "lp", status: .paperOut)) { try await p.send(label) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(device.bytes == Array("~HS".utf8) + label.bytes + Array("~HS".utf8) + Array("~HS".utf8), "byte-exact, in order")
    }

    @Test func silentDeviceIsNotRespondingAfterTheTimeout() async throws {
        let device = try PseudoTerminalPrinter(reply: nil)
        let p = DirectLabelPrinter(name: "lp", language: .escpos, dpi: 203, transport: DeviceFilePrinterTransport(path: device.path),
                                   options: .init(statusTimeout: .milliseconds(300)))
        let start = ContinuousClock.now
        let status = try await p.status()
        #expect(status.condition == .notResponding)
        #expect(status.evidence == .noReply(query: "DLE EOT 1", waitedMilliseconds: 300))
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        #expect(device.bytes.starts(with: [0x10, 0x04, 0x01]))
    }

    @Test func deviceThatHangsUpIsALostLink() async throws {
        var device: PseudoTerminalPrinter? = try PseudoTerminalPrinter(reply: nil)
        let transport = DeviceFilePrinterTransport(path: device!.path)
        try transport.connect(timeout: .seconds(1))
        device?.stop()
        device = nil
        let error = #expect(throws: TransportError.self) { try transport.read(maxLength: 16, timeout: .milliseconds(500)) }
        guard case .connectionLost? = error else {
            Issue.record("expected connectionLost, got \(String(describing: error))")
            return
        }
        if case .broken = transport.state {} else { Issue.record("state \(transport.state)") }
    }

    @Test func missingDeviceIsExplained() throws {
        let transport = DeviceFilePrinterTransport(path: "/dev/usb/lp-not-there")
        let error = #expect(throws: TransportError.self) { try transport.connect(timeout: .seconds(1)) }
        guard case let .deviceMissing(path, reason)? = error else {
            Issue.record("expected deviceMissing, got \(String(describing: error))")
            return
        }
        #expect(path == "/dev/usb/lp-not-there" && reason.contains("unplugged"))
        #expect(!FileManager.default.fileExists(atPath: "/dev/usb/lp-not-there"), "the path is never created")
    }

    @Test func regularFileIsWriteOnlyAndItsStatusUnknown() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("spool-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: file.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: file) }
        let transport = DeviceFilePrinterTransport(path: file.path)
        let p = DirectLabelPrinter(name: "spool", language: .zpl, dpi: 203, transport: transport)
        #expect(!transport.canRead)
        let status = try await p.status()
        #expect(status.condition == .unknown && status.evidence == .notQueryable)
        let label = zplLabel("A")
        _ = try await p.send(label)
        _ = try await p.send(label)
        #expect(Array(try Data(contentsOf: file)) == label.bytes + label.bytes)
    }

    /// What open(2) errors mean for a printer device file (root cannot provoke EACCES, so the
    /// mapping is checked as a table).
    @Test(arguments: [
        (EACCES, "permissionDenied"), (EPERM, "permissionDenied"), (EBUSY, "deviceBusy"), (ENOENT, "deviceMissing"),
        (ENODEV, "deviceMissing"), (ENXIO, "deviceMissing"), (EISDIR, "invalidAddress"), (EIO, "system"),
    ])
    func openErrnoTable(_ code: Int32, _ expected: String) {
        let error = DeviceFilePrinterTransport.openError(code, path: "/dev/usb/lp0")
        let name: String
        switch error {
        case .permissionDenied: name = "permissionDenied"
        case .deviceBusy: name = "deviceBusy"
        case .deviceMissing: name = "deviceMissing"
        case .invalidAddress: name = "invalidAddress"
        case .system: name = "system"
        default: name = "\(error)"
        }
        #expect(name == expected)
        #expect(error.description.contains("/dev/usb/lp0"))
    }
}

/// A value shared between a test and a callback on another thread.
final class Atomic<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value {
        get { lock.lock(); defer { lock.unlock() }; return stored }
        set { lock.lock(); stored = newValue; lock.unlock() }
    }
}
