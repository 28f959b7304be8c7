import Foundation
import Testing
@testable import Devices

/// `Tests/emulators/printer_emulator.py` running as a child process on a free loopback port,
/// with its control socket. Each test starts its own, so tests stay independent and parallel.
/// The process is terminated (by its pid) when the value is released.
final class NetworkPrinterEmulator: @unchecked Sendable {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("emulators/printer_emulator.py").path
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    /// Python 3 and the emulator script are present.
    static let available = python != nil && FileManager.default.fileExists(atPath: script)

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let process = Process()
    let port: UInt16
    let controlPort: UInt16
    let output: URL
    private let control: TCPPrinterTransport

    /// Starts an emulator with these command-line flags and waits for it to announce its ports.
    static func start(_ arguments: [String] = []) async throws -> NetworkPrinterEmulator {
        try await offPool { try NetworkPrinterEmulator(arguments) }
    }

    private init(_ arguments: [String]) throws {
        output = FileManager.default.temporaryDirectory.appendingPathComponent("printer-emulator-\(UUID().uuidString)")
        process.executableURL = URL(fileURLWithPath: Self.python ?? "/usr/bin/python3")
        process.arguments = [Self.script, "--output", output.path] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        // Not the test's own stderr: a child holding that pipe would keep `swift test` waiting.
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let log = output.appendingPathComponent("emulator.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        let lines = try Self.readLines(2, from: stdout.fileHandleForReading.fileDescriptor, timeout: .seconds(15))
        guard lines.count == 2, let port = UInt16(lines[0]), lines[1].hasPrefix("control "),
              let controlPort = UInt16(lines[1].dropFirst("control ".count)) else {
            process.terminate()
            throw Failure(description: "emulator did not announce its ports: \(lines)")
        }
        self.port = port
        self.controlPort = controlPort
        control = TCPPrinterTransport(host: "127.0.0.1", port: controlPort)
    }

    deinit {
        stop()
        let output = self.output
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) { try? FileManager.default.removeItem(at: output) }
    }

    /// Terminates the emulator: SIGTERM now, SIGKILL two seconds later if it is still running.
    /// Returns at once, so teardown never holds up the threads other tests are timing on.
    func stop() {
        guard process.isRunning else { return }
        let process = self.process
        process.terminate()
        DispatchQueue.global().asyncAfter(deadline: .now() + 2) {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// The printer's address as configuration writes it.
    var address: String { "127.0.0.1:\(port)" }

    /// A transport to the emulated printer.
    func transport(connectTimeout: Duration = .seconds(2)) -> TCPPrinterTransport {
        TCPPrinterTransport(host: "127.0.0.1", port: port, connectTimeout: connectTimeout)
    }

    /// Sends one control command and returns the JSON reply.
    @discardableResult
    func control(_ command: String) async throws -> [String: Any] {
        try await offPool { try self.controlNow(command) }.value
    }

    private func controlNow(_ command: String) throws -> Reply {
        try control.write(Array((command + "\n").utf8), timeout: .seconds(5))
        var line: [UInt8] = []
        let deadline = ContinuousClock.now + .seconds(15)
        while !line.contains(0x0A) {
            guard ContinuousClock.now < deadline else { throw Failure(description: "no reply to control command \(command)") }
            line += try control.read(maxLength: 4096, timeout: .seconds(15))
        }
        let json = try JSONSerialization.jsonObject(with: Data(line.prefix { $0 != 0x0A }))
        guard let object = json as? [String: Any] else { throw Failure(description: "bad control reply to \(command)") }
        return Reply(value: object)
    }

    /// A JSON object handed across threads once, never mutated.
    struct Reply: @unchecked Sendable {
        let value: [String: Any]
    }

    func stats() async throws -> [String: Any] { try await control("stats") }

    func int(_ key: String) async throws -> Int { try await stats()[key] as? Int ?? -1 }

    /// Waits until `count` labels have printed; returns whether they did in time.
    func waitPrinted(_ count: Int, seconds: Double = 5) async throws -> Bool {
        try await control("wait-printed \(count) \(seconds)")["ok"] as? Bool ?? false
    }

    /// The bytes of printed label `index` (1-based), as the emulator saved them.
    func label(_ index: Int, language: PrinterLanguage = .zpl) throws -> [UInt8] {
        let name = String(format: "%06d.%@", index, language.fileExtension)
        return Array(try Data(contentsOf: output.appendingPathComponent(name)))
    }

    /// The bytes the emulator kept of the label whose connection it reset.
    func dropped(_ index: Int, language: PrinterLanguage = .zpl) throws -> [UInt8] {
        let name = String(format: "dropped-%03d.%@", index, language.fileExtension)
        return Array(try Data(contentsOf: output.appendingPathComponent(name)))
    }

    private static func readLines(_ count: Int, from fd: Int32, timeout: Duration) throws -> [String] {
        var buffer: [UInt8] = []
        let deadline = ContinuousClock.now + timeout
        while buffer.filter({ $0 == 0x0A }).count < count {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let remaining = max(1, Int32(clamping: PrinterPOSIX.milliseconds(deadline - .now)))
            guard ContinuousClock.now < deadline, poll(&pfd, 1, remaining) > 0 else { break }
            var byte: UInt8 = 0
            guard Glibc.read(fd, &byte, 1) == 1 else { break }
            buffer.append(byte)
        }
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Runs blocking test plumbing (process start, control round trips that wait for the printer)
/// on a dispatch queue, so it never occupies the few cooperative threads the tests share.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// A small ZPL label with a serial, as the station's encoder would send it.
func zplLabel(_ serial: String) -> PrintableLabel {
    PrintableLabel(bytes: Array("^XA^CI28^FO40,40^A0N,32,32^FDMiến dong Na Rì · \(serial)^FS^XZ".utf8),
                   language: .zpl, preview: nil, summary: serial)
}

/// A raster-sized ZPL label (`^GFA` hex graphic) of at least `size` bytes.
func largeZPLLabel(size: Int, seed: UInt8 = 0) -> PrintableLabel {
    let digits = Array("0123456789ABCDEF".utf8)
    let hex = (0..<size).map { digits[(Int($0) &* 7 &+ Int(seed)) & 15] }
    let head = Array("^XA^FO0,0^GFA,\(size / 2),\(size / 2),52,".utf8)
    return PrintableLabel(bytes: head + hex + Array("^FS^XZ".utf8), language: .zpl, preview: nil, summary: "large")
}
