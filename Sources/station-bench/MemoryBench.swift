import Foundation

/// Peak memory of the station during a long job: the real `station print` (the binary beside this
/// one) prints N stamps on the virtual printer in windows of 50, native ZPL (no preview images, so the disk holds
/// 100,000 labels), and the kernel's high-water mark of its resident set is read with
/// `wait4` once it has exited. Goal (issue 10): ≤ 100 MB for 100,000 labels.
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
        func run(_ args: [String]) throws -> Double {
            let p = Process()
            p.executableURL = station
            p.arguments = args + common
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            let seconds = try measure {
                try p.run()
                p.waitUntilExit()
            }
            guard p.terminationStatus == 0 else { throw BenchFailure("station \(args.prefix(2).joined(separator: " ")) exited \(p.terminationStatus)") }
            return seconds
        }
        _ = try run(["product", "add", "--gtin", "8938512345017", "--name", "Miến dong Na Rì", "--producer", "HTX Miến dong Na Rì",
                     "--producer-gln", "8938512340005", "--shelf-life-days", "364"])
        _ = try run(["batch", "create", "--product", "8938512345017", "--lot", "MEM1", "--produced", "2025-03-14", "--quantity", "\(count)"])
        // The print job's own high-water mark: wait4 returns the resource usage of that one child
        // (RUSAGE_CHILDREN would be the largest of every child this process ever waited for).
        var usage = rusage()
        let seconds = try measure { usage = try spawnAndWait(station.path, ["print", "--batch", "MEM1", "--count", "\(count)"] + common) }
        return (Double(usage.ru_maxrss) / 1024, seconds)
    }

    /// Runs `path args` with output discarded; returns its rusage, or throws if it failed.
    static func spawnAndWait(_ path: String, _ args: [String]) throws -> rusage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + args).map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, path, &actions, nil, argv, environ)
        guard rc == 0 else { throw BenchFailure("cannot start \(path): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchFailure("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        // Exited normally with status 0 (WIFEXITED and WEXITSTATUS, which Swift cannot import).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { throw BenchFailure("station \(args.prefix(2).joined(separator: " ")) failed (wait status \(status))") }
        return usage
    }
}
