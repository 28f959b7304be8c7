import Barcodes
import Devices
import Foundation
import Labels
import Station
import Trace

/// Label generation on one core, through the path a print job takes: authenticity tag (HMAC),
/// Digital Link, the `mien-dong-50x30` template at 203 dpi, then native printer commands or the
/// whole label drawn as a 1-bit bitmap (libqrencode modules, FreeType text) and encoded.
///
/// Peers in the same run (`Tests/bench/label_peers.py`, on the same label data): native ZPL from a
/// Python f-string template, python-escpos native and raster (Pillow + qrcode), and the `qrencode`
/// CLI for the QR alone, beside libqrencode called in process. Targets (issue 4): native ZPL
/// ≥ 100,000 labels/s; raster ≥ 5,000 labels/s at ≤ 3 KB of ZPL per typical stamp.
struct LabelBench {
    let scale: Double

    struct Variant {
        let name: String
        let language: PrinterLanguage
        let mode: LabelMode
        let graphics: ZPLOptions.GraphicEncoding
    }

    static let variants = [
        Variant(name: "ZPL native (^BQ QR, ^A0 text, ^CI28 UTF-8)", language: .zpl, mode: .native, graphics: .z64),
        Variant(name: "ZPL raster, layered ^GFA Z64 (the default)", language: .zpl, mode: .raster, graphics: .z64),
        Variant(name: "ZPL raster, layered ^GFA ASCII compression (older firmware)", language: .zpl, mode: .raster, graphics: .asciiCompressed),
        Variant(name: "ESC/POS native (GS ( k QR, text)", language: .escpos, mode: .native, graphics: .z64),
        Variant(name: "ESC/POS raster (GS v 0)", language: .escpos, mode: .raster, graphics: .z64),
    ]

    struct Figure {
        var labelsPerSecond: Double
        var meanBytes: Double
        var maxBytes: Int
    }

    func run() throws {
        let nativeCount = max(500, Int(100_000 * scale))
        let rasterCount = max(100, Int(10_000 * scale))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-labels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try StationConfig.load(file: nil, environment: [:], overrides: ["data.dir=\(dir.path)", "log.level=error"])
        let trace = try TraceServices(config: config)
        let product = try trace.catalog.addProduct(Product(gtin: "08938512345017", name: "Miến dong Na Rì", producer: "HTX Miến dong Na Rì",
                                                           producerAddress: "Na Rì, Bắc Kạn", producerGLN: "8938512340005"))
        let batch = try trace.catalog.createBatch(gtin: product.gtin, lot: "MD250314A", productionDate: "2025-03-14",
                                                  expiryDate: "2026-03-13", plannedQuantity: 10_000_000)
        let serials = try trace.allocator.reserve(batchID: batch.id, count: nativeCount, purpose: "bench").serials

        var rows: [(Variant, Figure, Int)] = []
        for v in Self.variants {
            let factory = try LabelFactory(templatesDirectory: config.templatesDirectory, product: product, batch: batch, language: v.language,
                                           dpi: 203, mode: v.mode, resolver: config.resolverBase, tagger: trace.tagger, zplGraphics: v.graphics)
            let n = v.mode == .native ? nativeCount : rasterCount
            // Median of three runs over the same serials.
            var runs: [Figure] = []
            for _ in 0..<3 {
                var bytes = 0, maxBytes = 0
                let seconds = try measure {
                    for s in serials.prefix(n) {
                        let label = try factory.label(serial: s)
                        bytes += label.bytes.count
                        maxBytes = max(maxBytes, label.bytes.count)
                    }
                }
                runs.append(Figure(labelsPerSecond: Double(n) / seconds, meanBytes: Double(bytes) / Double(n), maxBytes: maxBytes))
            }
            rows.append((v, runs.sorted { $0.labelsPerSecond < $1.labelsPerSecond }[1], n))
        }

        // The QR alone, in process: what the qrencode CLI peer does per process.
        let qrFactory = try LabelFactory(templatesDirectory: config.templatesDirectory, product: product, batch: batch, language: .zpl,
                                         dpi: 203, mode: .native, resolver: config.resolverBase, tagger: trace.tagger)
        let data = try serials.prefix(2000).map { try qrFactory.data(serial: $0) }
        let qrSeconds = try measure { for d in data { _ = try QREncoder.encode(d.digitalLink, errorCorrection: .medium).image(scale: 4) } }
        let peers = try Self.runPeers(data)

        print("## labels: generation on one core (template mien-dong-50x30, 50×30 mm, 203 dpi; median of 3 runs)\n")
        print("| generator | labels | labels/s | bytes per label (mean / max) |")
        print("|---|---:|---:|---:|")
        for (v, f, n) in rows {
            print("| station: \(v.name) | \(n) | \(fmt(f.labelsPerSecond)) | \(fmt(f.meanBytes)) / \(f.maxBytes) |")
        }
        func peerRow(_ key: String, _ name: String) {
            guard let p = peers?[key] else { print("| peer: \(name) | – | not run (python3 or Tests/bench/label_peers.py missing) | |"); return }
            if let skipped = p.skipped { print("| peer: \(name) | – | skipped: \(skipped) | |"); return }
            print("| peer: \(name) | \(p.labels ?? 0) | \(fmt(p.labels_per_second ?? .nan)) | \(fmt(p.bytes_per_label ?? .nan)) |")
        }
        peerRow("zpl_native", "Python f-string ZPL template (same fields, native)")
        peerRow("escpos_native", "python-escpos native QR + text")
        peerRow("escpos_raster", "python-escpos raster (Pillow + qrcode draw the label)")
        print("| station: QR alone, libqrencode in process → 4× bitmap | \(data.count) | \(fmt(Double(data.count) / qrSeconds)) | |")
        peerRow("qrencode_cli", "qrencode CLI, one process per QR (PNG)")

        let native = rows[0].1, z64 = rows[1].1
        func ratio(_ ours: Double, _ key: String) -> String {
            guard let theirs = peers?[key]?.labels_per_second, theirs > 0 else { return "–" }
            return fmt(ours / theirs, 1) + "×"
        }
        print("\nratios: ZPL native vs the Python template \(ratio(native.labelsPerSecond, "zpl_native")); "
              + "ESC/POS raster vs python-escpos raster \(ratio(rows[4].1.labelsPerSecond, "escpos_raster")); "
              + "QR in process vs the qrencode CLI \(ratio(Double(data.count) / qrSeconds, "qrencode_cli"))")
        print("targets: native ZPL ≥ 100,000 labels/s → \(native.labelsPerSecond >= 100_000 ? "met" : "NOT met") (\(fmt(native.labelsPerSecond))); "
              + "raster ≥ 5,000 labels/s → \(z64.labelsPerSecond >= 5_000 ? "met" : "NOT met") (\(fmt(z64.labelsPerSecond))); "
              + "≤ 3 KB per raster ZPL stamp → \(z64.maxBytes <= 3072 ? "met" : "NOT met") (max \(z64.maxBytes) bytes with Z64, "
              + "\(rows[2].1.maxBytes) with ASCII compression)\n")
    }

    struct PeerFigure: Decodable {
        var labels: Int?
        var labels_per_second: Double?
        var bytes_per_label: Double?
        var skipped: String?
    }

    /// Runs the Python peers on the same label data; nil when they cannot run here.
    static func runPeers(_ data: [LabelData]) throws -> [String: PeerFigure]? {
        let script = ProcessInfo.processInfo.environment["STATION_LABEL_PEERS"] ?? "Tests/bench/label_peers.py"
        let python = ProcessInfo.processInfo.environment["STATION_BENCH_PYTHON"] ?? "/usr/bin/python3"
        guard FileManager.default.fileExists(atPath: script), FileManager.default.isExecutableFile(atPath: python) else { return nil }
        let input = data.map { d in
            ["link": d.digitalLink, "product": d.productName, "lot": d.lot, "expiry": d.expiryDate?.vietnameseFormat ?? "",
             "serial": d.serial, "producer": d.producer]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script]
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin
        p.standardOutput = stdout
        try p.run()
        stdin.fileHandleForWriting.write(try JSONSerialization.data(withJSONObject: input))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchFailure("label peers exited \(p.terminationStatus)") }
        return try JSONDecoder().decode([String: PeerFigure].self, from: out)
    }
}
