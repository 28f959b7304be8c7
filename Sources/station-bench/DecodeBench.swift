import Barcodes
import Foundation

/// Photo decoding on the stamp photo corpus (`Tests/PhotoTests/PhotoCorpus`): time per
/// 1280 × 960 photo and recall of our in-process pipeline, beside zbarimg (Debian zbar-tools) and
/// zxing-cpp (the oracle `decode`), all measured in the same run on the same files.
///
/// Recall counts the codes of the labels placed in each photo (the corpus manifest) that a
/// decoder returned with exactly the right text; a returned text that is not in the photo is
/// counted as false.
struct DecodeBench {
    let scale: Double

    struct Entry: Decodable {
        struct Code: Decodable { var symbology: String; var text: String }
        var file: String
        var category: String
        var width: Int
        var height: Int
        var codes: [Code]
    }

    /// Found / expected / false texts of one decoder over the corpus.
    struct Tally {
        var expected = 0, found = 0, falseTexts = 0
        var byCategory: [String: (expected: Int, found: Int)] = [:]
        var recall: Double { expected == 0 ? .nan : Double(found) / Double(expected) }

        mutating func add(_ e: Entry, _ texts: [String], counting symbologies: Set<String>) {
            let want = e.codes.filter { symbologies.contains($0.symbology) }.map(\.text)
            let all = Set(e.codes.map(\.text))
            let got = Set(texts)
            let hits = want.filter { got.contains($0) }.count
            expected += want.count
            found += hits
            falseTexts += got.subtracting(all).count
            var c = byCategory[e.category] ?? (0, 0)
            c.expected += want.count
            c.found += hits
            byCategory[e.category] = c
        }
    }

    static var corpusDirectory: URL {
        if let dir = ProcessInfo.processInfo.environment["STATION_PHOTO_CORPUS"] { return URL(fileURLWithPath: dir) }
        return URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/PhotoTests/PhotoCorpus")
    }

    static var oraclesDirectory: URL? {
        if let dir = ProcessInfo.processInfo.environment["STATION_ORACLES_DIR"] { return URL(fileURLWithPath: dir) }
        let shared = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/oracles")
        return FileManager.default.fileExists(atPath: shared.appendingPathComponent("decode").path) ? shared : nil
    }

    /// zbar-readable symbologies (the recall figure compared across decoders) and Data Matrix.
    static let zbarSymbologies: Set<String> = [Symbology.qrCode.rawValue, Symbology.gs1_128.rawValue]

    func run() throws {
        let dir = Self.corpusDirectory
        let manifest = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: dir.appendingPathComponent("manifest.json")))
        let entries = scale >= 1 ? manifest : Array(manifest.prefix(max(8, Int(Double(manifest.count) * scale))))
        let files = entries.map { dir.appendingPathComponent("images/\($0.file)").path }
        let bytes = try files.map { try [UInt8](Data(contentsOf: URL(fileURLWithPath: $0))) }
        let isStandard = entries.map { $0.width * $0.height == 1280 * 960 }

        // Ours, in process: one warm-up round, then the median of three runs per photo.
        let decoder = PhotoDecoder()
        var ours = Tally(), oursDM = Tally()
        var zbarOnly = Tally()
        let zbarOnlyDecoder = PhotoDecoder(secondDecoderFallback: false)
        var times: [Double] = [], bigTimes: [Double] = []
        var passesUsed: [String: Int] = [:]
        for (i, e) in entries.enumerated() {
            let r = try decoder.decode(bytes[i])
            let texts = r.symbols.compactMap(\.text)
            ours.add(e, texts, counting: Self.zbarSymbologies)
            oursDM.add(e, texts, counting: [Symbology.dataMatrix.rawValue])
            if let last = r.diagnostics.passes.last(where: { $0.new > 0 }) { passesUsed[last.name, default: 0] += 1 }
            zbarOnly.add(e, try zbarOnlyDecoder.decode(bytes[i]).symbols.compactMap(\.text), counting: Self.zbarSymbologies)
            var runs: [Double] = []
            for _ in 0..<3 { runs.append(try measure { _ = try decoder.decode(bytes[i]) } * 1000) }
            runs.sort()
            if isStandard[i] { times.append(runs[1]) } else { bigTimes.append(runs[1]) }
        }
        times.sort(); bigTimes.sort()

        // zbarimg: one process per photo, as a shell script would use it.
        var zbar = Tally()
        var zbarTimes: [Double] = []
        let zbarimg = ["/usr/bin/zbarimg", "/usr/local/bin/zbarimg"].first { FileManager.default.isExecutableFile(atPath: $0) }
        if let zbarimg {
            for (i, e) in entries.enumerated() {
                var out = Data()
                let t = try measure { out = try runTool(zbarimg, ["--quiet", "--raw", files[i]]) }
                if isStandard[i] { zbarTimes.append(t * 1000) }
                let texts = String(decoding: out, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
                zbar.add(e, texts, counting: Self.zbarSymbologies)
            }
            zbarTimes.sort()
        }

        // zxing-cpp through the oracle: one process for every photo (Python start-up amortised).
        var zxing = Tally(), zxingDM = Tally()
        var zxingMean = Double.nan
        if let oracles = Self.oraclesDirectory {
            var out = Data()
            let t = try measure { out = try runTool(oracles.appendingPathComponent("decode").path, files) }
            zxingMean = t * 1000 / Double(files.count)
            var byFile: [String: [String]] = [:]
            for line in String(decoding: out, as: UTF8.self).split(separator: "\n") {
                let parts = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                byFile[String(parts[0]), default: []].append(Self.plainGS1(String(parts[2])))
            }
            for (i, e) in entries.enumerated() {
                zxing.add(e, byFile[files[i]] ?? [], counting: Self.zbarSymbologies)
                zxingDM.add(e, byFile[files[i]] ?? [], counting: [Symbology.dataMatrix.rawValue])
            }
        }

        let n = times.count
        print("## decode: photo decoding (stamp photo corpus: \(entries.count) photos, \(n) at 1280×960, \(entries.count - n) larger)\n")
        print("| decoder | median ms / 1280×960 photo | p90 ms | recall QR + GS1-128 | false texts | Data Matrix read |")
        print("|---|---:|---:|---:|---:|---:|")
        print("| station PhotoDecoder (in process) | \(fmt(percentile(times, 0.5), 1)) | \(fmt(percentile(times, 0.9), 1)) | \(pct(ours)) | \(ours.falseTexts) | \(oursDM.found)/\(oursDM.expected) |")
        print("| station PhotoDecoder, zbar passes only (no zxing-cpp fallback) | – | – | \(pct(zbarOnly)) | \(zbarOnly.falseTexts) | – |")
        if zbarimg != nil {
            print("| zbarimg 0.23 (one process per photo) | \(fmt(percentile(zbarTimes, 0.5), 1)) | \(fmt(percentile(zbarTimes, 0.9), 1)) | \(pct(zbar)) | \(zbar.falseTexts) | not supported |")
        } else {
            print("| zbarimg | not installed (Debian zbar-tools) | | | | |")
        }
        if Self.oraclesDirectory != nil {
            print("| zxing-cpp (oracle `decode`, one process for all) | \(fmt(zxingMean, 1)) (mean) | – | \(pct(zxing)) | \(zxing.falseTexts) | \(zxingDM.found)/\(zxingDM.expected) |")
        } else {
            print("| zxing-cpp | oracle not found (set STATION_ORACLES_DIR) | | | | |")
        }
        if !bigTimes.isEmpty {
            print("\n12 MP photos (ours): median \(fmt(percentile(bigTimes, 0.5), 0)) ms, max \(fmt(bigTimes.last!, 0)) ms")
        }
        print("\nData Matrix: ours with the default policy (second decoder only when zbar read nothing); carton photos also have a QR code, so their Data Matrix is read only with `dataMatrix: .always` (`station verify --data-matrix`).")
        print("\nRecall by category (found/expected): ours · zbarimg · zxing-cpp\n")
        print("| category | ours | zbarimg | zxing-cpp |\n|---|---:|---:|---:|")
        for cat in ours.byCategory.keys.sorted() {
            let o = ours.byCategory[cat]!, z = zbar.byCategory[cat], x = zxing.byCategory[cat]
            guard o.expected > 0 else { continue }
            print("| \(cat) | \(o.found)/\(o.expected) | \(z.map { "\($0.found)/\($0.expected)" } ?? "–") | \(x.map { "\($0.found)/\($0.expected)" } ?? "–") |")
        }
        print("\nPass that read the code (ours): " + passesUsed.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let median = percentile(times, 0.5)
        let zbarOK = zbarimg == nil || ours.recall >= zbar.recall
        let zxingOK = Self.oraclesDirectory == nil || ours.recall >= zxing.recall - 0.05
        print("\ntargets: median ≤ 30 ms → \(median <= 30 ? "met" : "NOT met"); recall ≥ zbarimg → \(zbarOK ? "met" : "NOT met"); within 5 points of zxing-cpp → \(zxingOK ? "met" : "NOT met")\n")
    }

    func pct(_ t: Tally) -> String { "\(fmt(t.recall * 100, 1)) % (\(t.found)/\(t.expected))" }

    /// zxing-cpp prints GS1 data with AIs in brackets: `(01)0893…(10)MD250301A(37)24`. The corpus
    /// stores element strings (GS after variable-length fields) and GS1-128 as plain digits.
    static func plainGS1(_ text: String) -> String {
        guard text.hasPrefix("(") else { return text }
        let fixed: Set<String> = ["00", "01", "02", "11", "12", "13", "15", "16", "17", "20"]
        var out = "", rest = Substring(text)
        while rest.hasPrefix("("), let close = rest.firstIndex(of: ")") {
            let ai = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            let end = rest.firstIndex(of: "(") ?? rest.endIndex
            out += ai + rest[..<end]
            rest = rest[end...]
            if !fixed.contains(ai) && !rest.isEmpty { out += "\u{1D}" }
        }
        return out
    }

    /// Runs a tool and returns its standard output. Exit statuses are not errors here: zbarimg
    /// exits 4 and the oracle 1 when a photo has no code, after printing what they found.
    func runTool(_ path: String, _ args: [String]) throws -> Data {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return data
    }
}
