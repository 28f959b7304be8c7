import Foundation

/// Peak memory of the station during a long job: the real `station print` (the binary beside this
/// one) prints N stamps on the virtual printer in windows of 50, native ZPL (no preview images, so
/// the disk holds 100,000 labels), and the kernel's high-water mark of its resident set (VmHWM) is
/// read while it runs. Goal (issue 10): ≤ 100 MB for 100,000 labels.
/// Beside it, the same for a 1,000-label job: memory that grows with the job shows as the difference.
struct MemoryBench {
    let scale: Double

    func run() throws {
        let big = max(1000, Int(100_000 * scale))
        let small = max(100, big / 100)
        let station = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("station")
        guard FileManager.default.isExecutableFile(atPath: station.path) else {
            print("## memory: skipped (\(station.path) not built: `swift build -c release --product station`)\n")
            return
        }
        let (smallRSS, smallSeconds) = try Self.job(station, count: small)
        let (bigRSS, bigSeconds) = try Self.job(station, count: big)
        print("## memory: peak resident set of `station print` on the virtual printer (native ZPL)\n")
        print("| job | labels | seconds | labels/s | peak RSS |")
        print("|---|---:|---:|---:|---:|")
        print("| small job | \(small) | \(fmt(smallSeconds, 1)) | \(fmt(Double(small) / smallSeconds)) | \(fmt(smallRSS, 1)) MB |")
        print("| long job | \(big) | \(fmt(bigSeconds, 1)) | \(fmt(Double(big) / bigSeconds)) | \(fmt(bigRSS, 1)) MB |")
        print("\ngrowth with the job: \(fmt(bigRSS - smallRSS, 1)) MB for \(big - small) more labels; "
              + "target ≤ 100 MB for 100,000 labels → \(big >= 100_000 ? (bigRSS <= 100 ? "met" : "NOT met") : "not run at full size")\n")
    }

    /// Runs one job in a fresh data directory; returns (peak RSS in MB, seconds).
    static func job(_ station: URL, count: Int) throws -> (Double, Double) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bench-mem-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let common = ["--data-dir", dir.path, "--log-level", "error", "--set", "printers.line1.mode=native", "--set", "jobs.window=50"]
        _ = try run(station, ["product", "add", "--gtin", "8938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Miến dong Na Rì",
                              "--producer-gln", "8938512340005", "--shelf-life-days", "364"] + common)
        _ = try run(station, ["batch", "create", "--product", "8938512345017", "--lot", "MEM1", "--produced", "2025-03-14",
                              "--quantity", "\(count)"] + common)
        var peakKB: Int?
        let seconds = try measure { peakKB = try run(station, ["print", "--batch", "MEM1", "--count", "\(count)"] + common) }
        guard let peakKB else { throw BenchFailure("the print job ended before its VmHWM could be read") }
        return (Double(peakKB) / 1024, seconds)
    }

    /// Runs the command with output discarded, throwing if it fails; returns the highest VmHWM
    /// (peak resident set, KB) read from `/proc` every 10 ms while it ran, nil if it ended first.
    /// VmHWM only grows, so the last reading is the peak to within 10 ms. The kernel's ru_maxrss
    /// would not do: a spawned child's counts the address space it was started from, this
    /// benchmark's own.
    static func run(_ executable: URL, _ args: [String]) throws -> Int? {
        let p = Process()
        p.executableURL = executable
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let status = "/proc/\(p.processIdentifier)/status"
        var peak: Int?
        while p.isRunning {
            if let text = try? String(contentsOfFile: status, encoding: .utf8),
               let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
               let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
                peak = max(peak ?? 0, kb)
            }
            usleep(10_000)
        }
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchFailure("station \(args.prefix(2).joined(separator: " ")) exited \(p.terminationStatus)") }
        return peak
    }
}
