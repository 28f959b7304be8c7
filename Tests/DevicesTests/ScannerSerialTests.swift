import Foundation
import Testing
@testable import Devices
#if canImport(Glibc)
import Glibc
#endif

/// A pseudo-terminal standing in for a serial scanner: the test writes to the master side, the
/// reader opens the slave path. Closing the master is the scanner being unplugged.
final class ScannerPseudoTerminal {
    let master: Int32
    let slavePath: String
    private var closed = false

    /// `TIOCSPTLCK` and `TIOCGPTN` from <asm-generic/ioctls.h> (_IOW/_IOR('T', 0x31/0x30, int)),
    /// which Swift does not import because they are function-like macros.
    private static let unlock: UInt = 0x4004_5431
    private static let number: UInt = 0x8004_5430

    init() throws {
        let master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var zero: Int32 = 0
        var index: UInt32 = 0
        guard ioctl(master, Self.unlock, &zero) == 0, ioctl(master, Self.number, &index) == 0 else {
            let code = errno
            Glibc.close(master)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        self.master = master
        slavePath = "/dev/pts/\(index)"
    }

    deinit { close() }

    func write(_ text: String) {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
        #expect(written == bytes.count)
    }

    /// The scanner goes away: the slave side hangs up and its node disappears.
    func close() {
        guard !closed else { return }
        closed = true
        Glibc.close(master)
    }
}

@Suite(.serialized) struct ScannerSerialTests {
    /// Fast retries and polls; a generous inter-character timeout so a busy machine cannot split a line.
    static let quick = ScannerSettings(framing: ScanFraming(interCharacterTimeout: .seconds(3)), debounce: .zero,
                                       reconnectInterval: .milliseconds(50), pollInterval: .milliseconds(20))

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scanner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test(.timeLimit(.minutes(1)))
    func threeTerminatorStylesAndSplitReads() async throws {
        let terminal = try ScannerPseudoTerminal()
        // The pause inside "COD" + "E4" is this test's own sleep, which a machine busy with the
        // parallel process tests can stretch by seconds: the line must not time out meanwhile.
        var settings = Self.quick
        settings.framing.interCharacterTimeout = .seconds(30)
        let reader = SerialScannerReader(name: "line1", path: terminal.slavePath, settings: settings)
        let log = ScannerEventLog(reader.events)
        await log.waitForState("connected") { $0.isConnected }
        terminal.write("CODE1\r")
        terminal.write("CODE2\n")
        terminal.write("CODE3\r\n")
        terminal.write("COD")
        try await Task.sleep(for: .milliseconds(60))
        terminal.write("E4\r")
        try await Task.sleep(for: .milliseconds(60))
        terminal.write("\n]Q1" + ScannerKeyboardDecoderTests.digitalLink + "\r\n")
        terminal.write("]d2" + ScannerKeyboardDecoderTests.elementString + "\r")
        await log.wait(for: "six scans") { _ in log.scans.count == 6 }
        #expect(log.scans == ["CODE1", "CODE2", "CODE3", "CODE4", ScannerKeyboardDecoderTests.digitalLink,
                              ScannerKeyboardDecoderTests.elementString])
        let symbologies = log.all.compactMap { if case let .scan(input) = $0 { return input.symbology?.text } else { return nil } }
        #expect(symbologies == ["]Q1", "]d2"])
        #expect(log.rejections.isEmpty)
        reader.stop()
        await log.wait(for: "stopped, then the stream ends") { _ in log.isFinished && log.states.last == .stopped }
    }

    @Test(.timeLimit(.minutes(1)))
    func lineSettingsAreApplied() async throws {
        let terminal = try ScannerPseudoTerminal()
        // Opened before the reader claims the port exclusively, to read its settings back.
        let observer = open(terminal.slavePath, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        #expect(observer >= 0)
        defer { close(observer) }
        var settings = Self.quick
        settings.serial = SerialPortSettings(baudRate: 19200, dataBits: 7, parity: .odd, stopBits: 2, flowControl: .none)
        let reader = SerialScannerReader(name: "line1", path: terminal.slavePath, settings: settings)
        let log = ScannerEventLog(reader.events)
        await log.waitForState("connected") { $0.isConnected }
        var attributes = termios()
        #expect(tcgetattr(observer, &attributes) == 0)
        #expect(cfgetispeed(&attributes) == speed_t(B19200) && cfgetospeed(&attributes) == speed_t(B19200))
        // The Linux pty driver forces CS8 and clears PARENB on every tcsetattr; the rest sticks.
        // Data bits and parity are checked on the termios value itself in `termiosTable`.
        #expect(attributes.c_cflag & tcflag_t(PARODD | CSTOPB | CREAD | CLOCAL) == tcflag_t(PARODD | CSTOPB | CREAD | CLOCAL))
        #expect(attributes.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0, "raw mode: no line editing, echo or signals")
        #expect(attributes.c_iflag & tcflag_t(ICRNL | IXON) == 0, "CR is not turned into LF; no XON/XOFF")
        reader.stop()
    }

    struct TermiosCase: Sendable, CustomTestStringConvertible {
        let id: Int
        let settings: SerialPortSettings
        let cflagSet: tcflag_t
        let cflagClear: tcflag_t
        let iflagSet: tcflag_t
        let speed: speed_t
        var testDescription: String { "#\(id)" }
    }

    /// termios(3): CSIZE/CS5–CS8 data bits, PARENB/PARODD parity (INPCK to check it), CSTOPB two
    /// stop bits, CRTSCTS hardware and IXON/IXOFF software flow control.
    static let termiosCases: [TermiosCase] = [
        TermiosCase(id: 1, settings: SerialPortSettings(), cflagSet: tcflag_t(CS8 | CREAD | CLOCAL),
                    cflagClear: tcflag_t(PARENB | CSTOPB) | tcflag_t(CRTSCTS), iflagSet: 0, speed: speed_t(B9600)),
        TermiosCase(id: 2, settings: SerialPortSettings(baudRate: 115_200, dataBits: 7, parity: .even),
                    cflagSet: tcflag_t(CS7 | PARENB), cflagClear: tcflag_t(PARODD | CSTOPB), iflagSet: tcflag_t(INPCK), speed: speed_t(B115200)),
        TermiosCase(id: 3, settings: SerialPortSettings(baudRate: 38400, dataBits: 7, parity: .odd, stopBits: 2),
                    cflagSet: tcflag_t(CS7 | PARENB | PARODD | CSTOPB), cflagClear: 0, iflagSet: tcflag_t(INPCK), speed: speed_t(B38400)),
        TermiosCase(id: 4, settings: SerialPortSettings(dataBits: 5, flowControl: .hardware),
                    cflagSet: tcflag_t(CS5) | tcflag_t(CRTSCTS), cflagClear: tcflag_t(PARENB), iflagSet: 0, speed: speed_t(B9600)),
        TermiosCase(id: 5, settings: SerialPortSettings(dataBits: 6, flowControl: .software),
                    cflagSet: tcflag_t(CS6), cflagClear: tcflag_t(CRTSCTS), iflagSet: tcflag_t(IXON | IXOFF), speed: speed_t(B9600)),
    ]

    @Test(arguments: termiosCases)
    func termiosTable(_ item: TermiosCase) {
        var attributes = termios()
        attributes.c_cflag = tcflag_t(CS8 | PARENB | CSTOPB) | tcflag_t(CRTSCTS)  // leftovers the settings must clear
        attributes.c_lflag = tcflag_t(ICANON | ECHO | ISIG)
        attributes.c_iflag = tcflag_t(ICRNL | IXON)
        item.settings.apply(to: &attributes)
        #expect(attributes.c_cflag & tcflag_t(CSIZE) == item.cflagSet & tcflag_t(CSIZE))
        #expect(attributes.c_cflag & item.cflagSet == item.cflagSet)
        #expect(attributes.c_cflag & item.cflagClear == 0)
        #expect(attributes.c_iflag & tcflag_t(INPCK | IXON | IXOFF) == item.iflagSet)
        #expect(attributes.c_iflag & tcflag_t(ICRNL) == 0 && attributes.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0)
        #expect(cfgetispeed(&attributes) == item.speed && cfgetospeed(&attributes) == item.speed)
    }

    @Test(.timeLimit(.minutes(1)))
    func deviceVanishesAndReappears() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let link = directory.appendingPathComponent("usb-Scanner-if00").path
        let reader = SerialScannerReader(name: "door", path: link, settings: Self.quick)
        let log = ScannerEventLog(reader.events)
        await log.waitForState("waiting for the device") { $0.isWaiting }

        let first = try ScannerPseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: first.slavePath)
        await log.waitForState("connected") { $0.isConnected }
        #expect(log.states.contains(.connected(device: "\(link) → \(first.slavePath)")))
        first.write("A1\r\n")
        await log.wait(for: "A1") { _ in log.scans == ["A1"] }
        first.write("PART")
        try await Task.sleep(for: .milliseconds(50))
        first.close()
        try FileManager.default.removeItem(atPath: link)
        await log.waitForState("disconnected") { $0.isDisconnected }
        await log.wait(for: "the partial line rejected") { _ in log.rejections.map(\.reason) == [.incomplete] }
        #expect(log.rejections.first?.prefix == Array("PART".utf8))

        let second = try ScannerPseudoTerminal()
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: second.slavePath)
        let before = log.states.count
        await log.waitForState("connected again", after: before) { $0.isConnected }
        second.write("A2\r")
        await log.wait(for: "A2") { _ in log.scans == ["A1", "A2"] }
        let kinds = log.states.map { state -> String in
            switch state {
            case .waitingForDevice: return "waiting"
            case .connected: return "connected"
            case .disconnected: return "disconnected"
            default: return "\(state)"
            }
        }
        #expect(kinds == ["waiting", "connected", "disconnected", "connected"])
        reader.stop()
        await log.wait(for: "stopped") { _ in log.isFinished && log.states.last == .stopped }
    }

    @Test(.timeLimit(.minutes(1)))
    func aPathThatIsNotATerminalIsReported() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("not-a-tty").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        let reader = SerialScannerReader(name: "door", path: file, settings: Self.quick)
        let log = ScannerEventLog(reader.events)
        await log.waitForState("unusable") { $0 == .unusable(detail: "\(file) is not a serial port (tty); check the scanner's address") }
        reader.stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func standardInputStyleReaderEndsWithItsInput() async throws {
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let reader = FileDescriptorScannerReader(name: "stdin", descriptor: descriptors[0], settings: Self.quick)
        let log = ScannerEventLog(reader.events)
        let text = "0893\n]Q1https://x.vn/01/1\r\nlast"
        _ = text.utf8CString.withUnsafeBytes { write(descriptors[1], $0.baseAddress, $0.count - 1) }
        close(descriptors[1])
        await log.wait(for: "end of input") { _ in log.isFinished }
        #expect(log.scans == ["0893", "https://x.vn/01/1", "last"])
        #expect(log.states == [.connected(device: "file descriptor \(descriptors[0])"), .disconnected(reason: "end of input")])
        reader.stop()
        close(descriptors[0])
    }

    @Test(.timeLimit(.minutes(1)))
    func factoryStreamStopsWhenTheConsumerStops() async throws {
        let terminal = try ScannerPseudoTerminal()
        let stream = try ScannerSource.events(name: "s", source: .serial, address: terminal.slavePath, debounce: .seconds(5))
        var scans: [ScannerEvent] = []
        terminal.write("")
        for await event in stream {
            if case let .status(status) = event, status.state.isConnected {
                terminal.write("X1\rX1\r")
            }
            if case .scan = event { scans.append(event) }
            if case .duplicate = event { scans.append(event); break }
        }
        #expect(scans.count == 2)
        if case let .scan(input) = scans.first { #expect(input.text == "X1" && input.scanner == "s") } else { Issue.record("no scan") }
        if case let .duplicate(input)? = scans.last { #expect(input.text == "X1") } else { Issue.record("no duplicate") }
    }
}
