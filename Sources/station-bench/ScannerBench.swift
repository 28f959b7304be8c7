import Devices
import Foundation
import Station
import Trace

/// Scanner latency: from the HID report that completes a scan (the Enter key press) to the scan
/// being durable as an EPCIS inspecting event, through the station's own path: boot-keyboard
/// reports → ``HIDKeyboardDecoder`` → ``StationCore/recordScan(_:scanner:)`` (GS1 parse, tag
/// check, event hashed and appended to the chain with `synchronous=FULL`, scan log row).
///
/// Peer in the same run: `Tests/emulators/hid_wedge_peer.py`, a plain Python keyboard-wedge
/// reader decoding the same report stream with its own US table and committing each raw line to
/// SQLite (WAL, `synchronous=FULL`), one transaction per scan — the least a durable scan logger
/// does, without any GS1 parsing, tag check or EPCIS event. Target (issue 6): p99 ≤ 10 ms at 20 scans/s.
struct ScannerBench {
    let scale: Double

    func run() async throws {
        let n = max(200, Int(10_000 * scale))
        let paced = max(40, Int(400 * scale))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-scan-\(UUID().uuidString)")
        let config = try StationConfig.load(file: nil, environment: [:], overrides: [
            "data.dir=\(dir.path)", "scanners.bench.source=hid", "scanners.bench.mode=inspecting", "scanners.bench.debounce=0.001",
            "log.level=error"])
        let core = try StationCore(config: config)
        let texts = try Self.issueStamps(core, count: n + paced)
        let streams = texts.map { Self.reports(typing: $0 + "\r") }

        // Closed loop: every scan as soon as the previous one is stored.
        let (closed, closedSeconds) = try Self.feed(core, streams: Array(streams.prefix(n)), interval: nil)
        // Paced at 20 scans/s, the issue's load.
        let (atRate, _) = try Self.feed(core, streams: Array(streams.suffix(paced)), interval: 0.05)

        let peer = try Self.runPeer(streams: Array(streams.prefix(n)))
        func ms(_ s: Double) -> String { fmt(s * 1000, 2) }
        print("## scanners: HID report → event durable (\(n) scans closed loop, \(paced) at 20/s)\n")
        print("| path | p50 | p99 | max | throughput |")
        print("|---|---:|---:|---:|---:|")
        print("| station, closed loop: HIDKeyboardDecoder → StationCore.recordScan (inspecting event + scan log, synchronous=FULL) "
              + "| \(ms(percentile(closed, 0.5))) ms | \(ms(percentile(closed, 0.99))) ms | \(ms(closed.last ?? .nan)) ms "
              + "| \(fmt(Double(n) / closedSeconds)) scans/s |")
        print("| station, paced at 20 scans/s | \(ms(percentile(atRate, 0.5))) ms | \(ms(percentile(atRate, 0.99))) ms "
              + "| \(ms(atRate.last ?? .nan)) ms | 20 scans/s offered |")
        if let peer {
            print("| peer: plain Python wedge decoder + raw line committed to SQLite (WAL, synchronous=FULL) "
                  + "| \(ms(peer.p50)) ms | \(ms(peer.p99)) ms | \(ms(peer.max)) ms | \(fmt(peer.throughput)) scans/s |")
        } else {
            print("| peer: skipped (python3 or Tests/emulators/hid_wedge_peer.py not found; run from the repository root) | | | | |")
        }
        print("\ntarget: p99 ≤ 10 ms at 20 scans/s\n")
        try? FileManager.default.removeItem(at: dir)
    }

    /// Commissions `count` stamps and returns their Digital Links (what a scanner reads).
    static func issueStamps(_ core: StationCore, count: Int) throws -> [String] {
        let trace = core.trace
        let product = try trace.catalog.addProduct(Product(gtin: "08938512345017", name: "Miến dong Na Rì", producer: "HTX",
                                                           producerGLN: "8938512340005"))
        let batch = try trace.catalog.createBatch(gtin: product.gtin, lot: "SCANBENCH", productionDate: "2025-03-14",
                                                  expiryDate: "2026-03-13", plannedQuantity: 10_000_000)
        var texts: [String] = []
        var left = count
        while left > 0 {
            let k = min(500, left)
            let r = try trace.allocator.reserve(batchID: batch.id, count: k, purpose: "bench")
            try trace.ledger.commission(r, indices: 0..<k)
            for serial in r.serials {
                let tag = try trace.tagger.tag(gtin14: product.gtin, serial: serial)
                texts.append(try StampCode.digitalLink(resolver: core.config.resolverBase, gtin: product.gtin, lot: batch.lot,
                                                       serial: serial, expiry: batch.expiryDate, tag: tag))
            }
            left -= k
        }
        return texts
    }

    /// Decodes each scan's reports and records the scan; the latency of each scan from the
    /// report that completed it to `recordScan` returning (sorted), and the total time.
    static func feed(_ core: StationCore, streams: [[[UInt8]]], interval: Double?) throws -> ([Double], Double) {
        var decoder = HIDKeyboardDecoder(configuration: .init(layout: .us))
        let origin = ContinuousClock.now
        var latencies: [Double] = []
        latencies.reserveCapacity(streams.count)
        let start = DispatchTime.now().uptimeNanoseconds
        for (i, reports) in streams.enumerated() {
            if let interval {
                let due = start + UInt64(Double(i) * interval * 1e9)
                while DispatchTime.now().uptimeNanoseconds < due { usleep(200) }
            }
            for report in reports {
                let t0 = DispatchTime.now().uptimeNanoseconds
                for case .scan(let bytes, _) in decoder.feed(report: report, at: ContinuousClock.now - origin) {
                    let record = try core.recordScan(bytes, scanner: "bench")
                    precondition(record.outcome == .accepted, "bench scan not accepted: \(record.message)")
                    latencies.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9)
                }
            }
        }
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        precondition(latencies.count == streams.count, "\(streams.count - latencies.count) scans were not decoded")
        return (latencies.sorted(), total)
    }

    /// Boot-keyboard reports (HID 1.11 appendix B.1) typing `text` on a US keyboard: press, release.
    static func reports(typing text: String) -> [[UInt8]] {
        var out: [[UInt8]] = []
        for ch in text.unicodeScalars {
            let (modifiers, usage) = usTable[ch] ?? (0, 0x2C)
            out.append([modifiers, 0, usage, 0, 0, 0, 0, 0])
            out.append([UInt8](repeating: 0, count: 8))
        }
        return out
    }

    /// The US layout as the HID Usage Tables (keyboard page 0x07) list it.
    static let usTable: [Unicode.Scalar: (UInt8, UInt8)] = {
        var t: [Unicode.Scalar: (UInt8, UInt8)] = ["\r": (0, 0x28), " ": (0, 0x2C), "\u{1D}": (0x01, 0x30)]
        for (i, c) in "abcdefghijklmnopqrstuvwxyz".unicodeScalars.enumerated() {
            t[c] = (0, UInt8(0x04 + i))
            t[Unicode.Scalar(c.value - 32)!] = (0x02, UInt8(0x04 + i))
        }
        for (i, (plain, shifted)) in zip("1234567890".unicodeScalars, "!@#$%^&*()".unicodeScalars).enumerated() {
            t[plain] = (0, UInt8(0x1E + i)); t[shifted] = (0x02, UInt8(0x1E + i))
        }
        for (usage, plain, shifted) in [(0x2D, "-", "_"), (0x2E, "=", "+"), (0x2F, "[", "{"), (0x30, "]", "}"), (0x31, "\\", "|"),
                                        (0x33, ";", ":"), (0x34, "'", "\""), (0x35, "`", "~"), (0x36, ",", "<"), (0x37, ".", ">"),
                                        (0x38, "/", "?")] as [(UInt8, Unicode.Scalar, Unicode.Scalar)] {
            t[plain] = (0, usage); t[shifted] = (0x02, usage)
        }
        return t
    }()

    struct PeerResult: Decodable {
        var p50: Double
        var p99: Double
        var max: Double
        var throughput: Double
        var scans: Int
    }

    /// Runs the Python peer on the same report stream; nil when it cannot run here.
    static func runPeer(streams: [[[UInt8]]]) throws -> PeerResult? {
        let script = ProcessInfo.processInfo.environment["STATION_SCAN_PEER"] ?? "Tests/emulators/hid_wedge_peer.py"
        guard FileManager.default.fileExists(atPath: script), FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else { return nil }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-peer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let reports = dir.appendingPathComponent("reports.bin")
        try Data(streams.joined().joined()).write(to: reports)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = [script, reports.path, dir.appendingPathComponent("scans.sqlite").path]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchFailure("peer \(script) exited \(p.terminationStatus)") }
        let result = try JSONDecoder().decode(PeerResult.self, from: data)
        precondition(result.scans == streams.count, "the peer decoded \(result.scans) of \(streams.count) scans")
        return result
    }
}
