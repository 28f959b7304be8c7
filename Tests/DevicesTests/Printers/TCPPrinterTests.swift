import Foundation
import Testing
@testable import Devices

/// `DirectLabelPrinter` over `TCPPrinterTransport` against the network printer emulator.
@Suite(.enabled(if: NetworkPrinterEmulator.available, "needs python3 and Tests/emulators/printer_emulator.py"),
       .timeLimit(.minutes(2)))
struct TCPPrinterTests {
    static let quick = DirectLabelPrinter.Options(connectTimeout: .seconds(2), writeTimeout: .seconds(2),
                                                  statusTimeout: .milliseconds(600), probeTimeout: .milliseconds(300))

    func printer(_ emulator: NetworkPrinterEmulator, language: PrinterLanguage = .zpl,
                 options: DirectLabelPrinter.Options = quick) -> DirectLabelPrinter {
        DirectLabelPrinter(name: "line1", language: language, dpi: 203, transport: emulator.transport(), options: options)
    }

    @Test func zplLabelsArriveByteExact() async throws {
        let emulator = try await NetworkPrinterEmulator.start()
        let p = printer(emulator)
        let labels = (1...5).map { zplLabel("K7QM2X9PA\($0)") } + [largeZPLLabel(size: 200_000)]
        for label in labels {
            let receipt = try await p.send(label)
            #expect(receipt.bytesWritten == label.bytes.count)
            #expect(receipt.file == nil)
        }
        #expect(try await emulator.waitPrinted(labels.count))
        for (index, label) in labels.enumerated() {
            #expect(try emulator.label(index + 1) == label.bytes, "label \(index + 1) byte-exact")
        }
        #expect(try await emulator.int("connections") == 1, "one connection carries the whole job")
        #expect(p.linkState == .ready)
    }

    @Test func readyStatusComesFromTheHostStatusAndErrorQueries() async throws {
        let emulator = try await NetworkPrinterEmulator.start()
        let p = printer(emulator)
        let first = try await p.status()
        #expect(first.condition == .ready && first.canPrint)
        #expect(first.evidence == .reply(query: "~HS ~HQES"))
        #expect(first.formatsInBuffer == 0)
        // Once ~HQES is known to be answered, both go out together.
        let second = try await p.status()
        #expect(second == first)
        #expect(try await emulator.int("status_queries") == 4)
    }

    @Test func olderFirmwareWithoutHQESIsReadFromHSAlone() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--no-hqes", "--paused"])
        let p = printer(emulator)
        let status = try await p.status()
        #expect(status.faults == [.paused])
        #expect(status.evidence == .reply(query: "~HS"))
        #expect(try await p.status().faults == [.paused])
        #expect(try await emulator.int("status_queries") == 3, "~HS, ~HQES (unanswered), then ~HS alone")
    }

    @Test func paperOutMidJobIsDetectedAndTheJobResumesAfterReload() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--paper-out-after", "2", "--near-end-at", "1"])
        let p = printer(emulator)
        let labels = (1...4).map { zplLabel("PAPER\($0)") }
        _ = try await p.send(labels[0])
        _ = try await p.send(labels[1])
        await #expect(throws: PrinterError.notReady(printer: "line1", status: .paperOut)) { try await p.send(labels[2]) }
        let status = try #require(p.lastStatus)
        #expect(status.faults == [.paperOut])
        #expect(status.detail.contains("~HQES: media out"))
        #expect(p.linkState == .faulted(.paperOut))
        #expect(try await emulator.int("received") == 2, "nothing was sent to the faulted printer")

        try await emulator.control("clear")
        #expect(try await p.status().canPrint)
        _ = try await p.send(labels[2])
        _ = try await p.send(labels[3])
        #expect(try await emulator.waitPrinted(4))
        #expect(try (1...4).map { try emulator.label($0) } == labels.map(\.bytes), "no label skipped or repeated")
    }

    @Test func headOpenAndHardwareErrorsAreReported() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--head-open", "--hardware-error"])
        let p = printer(emulator)
        let status = try await p.status()
        #expect(status.faults == [.hardwareError, .headOpen])
        #expect(status.condition == .hardwareError)
        #expect(status.detail.contains("head open") && status.detail.contains("cutter fault"))
        await #expect(throws: PrinterError.notReady(printer: "line1", status: .hardwareError)) { try await p.send(zplLabel("X")) }
    }

    @Test func silentPrinterIsAFaultAfterTheTimeout() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--head-open", "--silent-when-faulted"])
        var options = Self.quick
        options.silentWhenFaulted = true
        let p = printer(emulator, options: options)
        let start = ContinuousClock.now
        let status = try await p.status()
        let waited = ContinuousClock.now - start
        #expect(status.condition == .notResponding)
        #expect(!status.canPrint)
        #expect(status.evidence == .noReply(query: "~HS", waitedMilliseconds: 600))
        #expect(status.detail.contains("media is out or the head is open"))
        #expect(waited >= .milliseconds(600) && waited < .seconds(3), "answered after \(waited)")
        await #expect(throws: PrinterError.notReady(printer: "line1", status: .notResponding)) { try await p.send(zplLabel("X")) }
        #expect(try await emulator.int("received") == 0)

        try await emulator.control("clear")
        #expect(try await p.status().canPrint, "a late reply to the earlier query is not taken for the new one")
    }

    @Test func droppedConnectionReportsThePartialByteCountAndReconnects() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--drop-after", "1", "--drop-bytes", "1000"])
        let p = printer(emulator)
        _ = try await p.send(zplLabel("FIRST"))
        let big = largeZPLLabel(size: 4_000_000, seed: 3)
        let error = await #expect(throws: PrinterError.self) { try await p.send(big) }
        guard case let .interrupted(printer, delivered, total, reason)? = error else {
            Issue.record("expected .interrupted, got \(String(describing: error))")
            return
        }
        #expect(printer == "line1" && total == big.bytes.count)
        let kept = try emulator.dropped(1)
        #expect(kept.count >= 1000 && Array(big.bytes.prefix(kept.count)) == kept, "the printer got a prefix of the label")
        #expect(delivered.atMost >= kept.count && delivered.atMost < total, "delivered \(delivered) of \(total)")
        #expect(delivered.atLeast <= delivered.atMost)
        #expect(error?.labelMayHavePrinted == true)
        #expect(reason.contains("broke"))
        guard case .lost = p.linkState else {
            Issue.record("link state \(p.linkState)")
            return
        }
        // The next label reconnects and goes through whole.
        let again = zplLabel("AFTER")
        #expect(try await p.send(again).bytesWritten == again.bytes.count)
        #expect(try await emulator.waitPrinted(2))
        #expect(try emulator.label(2) == again.bytes)
        #expect(try await emulator.int("connections") == 2)
    }

    @Test func stalledPrinterTimesOutWithTheBytesItTook() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--stall-after", "20000"])
        var options = Self.quick
        options.writeTimeout = .milliseconds(500)
        options.statusPolicy = .never
        let p = printer(emulator, options: options)
        let big = largeZPLLabel(size: 4_000_000)
        let start = ContinuousClock.now
        let error = await #expect(throws: PrinterError.self) { try await p.send(big) }
        guard case let .interrupted(_, delivered, total, reason)? = error else {
            Issue.record("expected .interrupted, got \(String(describing: error))")
            return
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(delivered.atLeast >= 20_000 && delivered.atMost < total, "delivered \(delivered)")
        #expect(reason.contains("took no data for 500 ms"))
        // The connection was reset, so nothing queued on the station reaches the printer later.
        try await emulator.control("clear")
        try await Task.sleep(for: .milliseconds(300))
        let received = try await emulator.int("bytes")
        #expect(received <= delivered.atMost, "the printer got \(received), at most \(delivered.atMost) were sent")
        #expect(try await emulator.int("received") == 0, "the cut-off label never completes")
    }

    @Test func slowPrinterIsWaitedForWithoutATimeout() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--slow", "100000"])
        var options = Self.quick
        options.writeTimeout = .milliseconds(400)
        let p = printer(emulator, options: options)
        let label = largeZPLLabel(size: 60_000)
        let start = ContinuousClock.now
        #expect(try await p.send(label).bytesWritten == label.bytes.count)
        let elapsed = ContinuousClock.now - start
        #expect(elapsed >= .milliseconds(350), "60 kB at 100 kB/s took \(elapsed): the receipt waited for the printer")
        #expect(try await emulator.waitPrinted(1))
        #expect(try emulator.label(1) == label.bytes)
    }

    @Test func idleConnectionClosedByThePrinterIsReopened() async throws {
        let emulator = try await NetworkPrinterEmulator.start()
        let p = printer(emulator)
        _ = try await p.send(zplLabel("ONE"))
        try await emulator.control("disconnect")
        try await Task.sleep(for: .milliseconds(100))
        _ = try await p.send(zplLabel("TWO"))
        #expect(try await emulator.waitPrinted(2))
        #expect(try emulator.label(2) == zplLabel("TWO").bytes)
        #expect(try await emulator.int("connections") == 2)
    }

    /// A loopback port that was just free: bound by the kernel's choice, then closed unlistened.
    static func closedLoopbackPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return UInt16(bigEndian: addr.sin_port)
    }

    @Test func refusedConnectionIsUnreachableAndOffline() async throws {
        // Bind a loopback port and close it again, so that nothing listens there.
        let port = try Self.closedLoopbackPort()
        let transport = TCPPrinterTransport(host: "127.0.0.1", port: port, connectTimeout: .seconds(1))
        #expect(throws: TransportError.connectionRefused(endpoint: "tcp://127.0.0.1:\(port)")) {
            try transport.connect(timeout: .seconds(1))
        }
        let p = DirectLabelPrinter(name: "line1", language: .zpl, dpi: 203, transport: transport, options: Self.quick)
        let status = try await p.status()
        #expect(status.condition == .offline && status.evidence == .linkFailure)
        #expect(status.detail.contains("refused the connection"))
        let error = await #expect(throws: PrinterError.self) { try await p.send(zplLabel("X")) }
        guard case .unreachable? = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(error?.labelMayHavePrinted == false)
    }

    @Test func labelInTheWrongLanguageIsRefusedBeforeAnythingIsSent() async throws {
        let emulator = try await NetworkPrinterEmulator.start()
        let p = printer(emulator)
        let escpos = PrintableLabel(bytes: [0x1B, 0x40], language: .escpos, preview: nil, summary: "x")
        let error = await #expect(throws: PrinterError.self) { try await p.send(escpos) }
        guard case .misconfigured? = error else {
            Issue.record("expected .misconfigured, got \(String(describing: error))")
            return
        }
        #expect(try await emulator.int("connections") == 0)
    }
}

/// ESC/POS over TCP against the emulator.
@Suite(.enabled(if: NetworkPrinterEmulator.available, "needs python3 and Tests/emulators/printer_emulator.py"),
       .timeLimit(.minutes(2)))
struct TCPESCPOSPrinterTests {
    /// A raster label whose image bytes contain what looks like a cut (`1D 56`) and a status
    /// request (`10 04 01`): a parser that does not skip raster data would split it there.
    static func rasterLabel(_ seed: UInt8) -> PrintableLabel {
        let widthBytes = 48, rows = 40
        var image = (0..<(widthBytes * rows)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
        image.replaceSubrange(10..<13, with: [0x1D, 0x56, 0x41])
        image.replaceSubrange(100..<103, with: [0x10, 0x04, 0x01])
        let bytes: [UInt8] = [0x1B, 0x40, 0x1B, 0x61, 0x00,
                              0x1D, 0x76, 0x30, 0x00, UInt8(widthBytes), 0x00, UInt8(rows), 0x00] + image
            + Array("K7QM2X9PA\(seed)\n".utf8) + [0x1D, 0x56, 0x41, 0x00]
        return PrintableLabel(bytes: bytes, language: .escpos, preview: nil, summary: "raster \(seed)")
    }

    @Test func jobsSplitOnTheCutAndArriveByteExact() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--language", "escpos"])
        let p = DirectLabelPrinter(name: "pos", language: .escpos, dpi: 203, transport: emulator.transport(),
                                   options: TCPPrinterTests.quick)
        let labels = (1...3).map { Self.rasterLabel(UInt8($0)) }
        for label in labels { _ = try await p.send(label) }
        #expect(try await emulator.waitPrinted(3))
        for (index, label) in labels.enumerated() {
            #expect(try emulator.label(index + 1, language: .escpos) == label.bytes)
        }
        let status = try await p.status()
        #expect(status.canPrint && status.evidence == .reply(query: "DLE EOT 1,2,3,4"))
    }

    @Test func paperOutCoverOpenAndNearEndAreReported() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--language", "escpos", "--paper-out-after", "3", "--near-end-at", "2"])
        let p = DirectLabelPrinter(name: "pos", language: .escpos, dpi: 203, transport: emulator.transport(),
                                   options: TCPPrinterTests.quick)
        _ = try await p.send(Self.rasterLabel(1))
        let near = try await p.status()
        #expect(near.canPrint && near.warnings == [.paperNearEnd])
        _ = try await p.send(Self.rasterLabel(2))
        _ = try await p.send(Self.rasterLabel(3))
        let out = try await p.status()
        #expect(out.faults == [.paperOut])
        try await emulator.control("set head_open 1")
        #expect(try await p.status().faults == [.headOpen, .paperOut])
        try await emulator.control("clear")
        #expect(try await p.status().canPrint)
    }

    @Test func printerAnsweringOnlySomeFunctionsIsLearned() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--language", "escpos", "--answer", "1,4", "--paper-out-after", "0"])
        let p = DirectLabelPrinter(name: "pos", language: .escpos, dpi: 203, transport: emulator.transport(),
                                   options: TCPPrinterTests.quick)
        let first = try await p.status()
        #expect(first.faults == [.paperOut])
        #expect(first.evidence == .reply(query: "DLE EOT 1,4"))
        #expect(try await emulator.int("status_queries") == 4)
        let second = try await p.status()
        #expect(second == first)
        #expect(try await emulator.int("status_queries") == 6, "only DLE EOT 1 and 4 are asked again")
    }

    @Test func silentESCPOSPrinterIsNotResponding() async throws {
        let emulator = try await NetworkPrinterEmulator.start(["--language", "escpos", "--answer", ""])
        let p = DirectLabelPrinter(name: "pos", language: .escpos, dpi: 203, transport: emulator.transport(),
                                   options: TCPPrinterTests.quick)
        let status = try await p.status()
        #expect(status.condition == .notResponding)
        #expect(status.evidence == .noReply(query: "DLE EOT 1", waitedMilliseconds: 600))
    }
}
