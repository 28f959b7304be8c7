import ArgumentParser
import Barcodes
import Foundation
import Trace

/// `station verify PHOTO... [--json]`: an inspector's photos in, a verdict per stamp out.
///
/// Each photo is decoded in the isolated `station-decode` process (a hostile or broken file costs
/// that photo, not the station), every code found is checked with ``StampVerifier``, and every
/// stamp code is recorded as an `inspecting` event, so the province sees where and when stamps
/// were checked and how often.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read the stamps in photos and tell whether each is genuine (records an inspecting event per stamp).",
        discussion: """
            Photos are JPEG or PNG (phone photos up to 12 MP and more). Each is decoded in a separate, \
            limited process. Exit status: 0 every photo had a code and every stamp is genuine; \
            2 a code is not a genuine stamp (forged, void, suspicious, unknown, not a stamp); \
            3 a photo could not be read or had no code (and no stamp was rejected).
            """)

    @OptionGroup var options: GlobalOptions

    @Argument(help: ArgumentHelp("Photos of stamps (JPEG or PNG).", valueName: "photo"))
    var photos: [String]

    @Option(help: "Seconds of decoding per photo before giving up on harder passes.")
    var timeBudget: Double = PhotoDecodeLimits.standard.timeBudget

    @Flag(help: "Also look for Data Matrix symbols beside a QR code (carton labels).")
    var dataMatrix = false

    @Flag(help: "JSON output (one object per photo).")
    var json = false

    /// One code found in a photo and what the station knows about it.
    struct CodeReport: Encodable {
        var symbology: String
        var text: String?
        var verdict: StampVerdict?
        /// The inspecting event recorded for a stamp code.
        var eventID: String?
    }

    /// Everything about one photo.
    struct PhotoReport: Encodable {
        struct Failure: Encodable {
            var kind: String
            var message: String
            var vietnamese: String
        }
        var photo: String
        var codes: [CodeReport] = []
        var notes: [PhotoNote] = []
        var diagnostics: PhotoDecodeDiagnostics?
        var error: Failure?
    }

    func validate() throws {
        guard !photos.isEmpty else { throw ValidationError("give at least one photo") }
        guard timeBudget > 0, timeBudget <= 60 else { throw ValidationError("--time-budget must be between 0 and 60 seconds") }
    }

    func run() throws {
        let trace = try openTrace(options)
        let decoder = IsolatedPhotoDecoder(limits: PhotoDecodeLimits(timeBudget: timeBudget),
                                           dataMatrix: dataMatrix ? .always : .whenNothingElse)
        var reports: [PhotoReport] = []
        var rejected = false, unread = false
        for photo in photos {
            var report = PhotoReport(photo: photo)
            let result: PhotoDecodeResult
            do {
                result = try decoder.decode(fileAt: photo)
            } catch {
                unread = true
                report.error = .init(kind: error.kind, message: error.description, vietnamese: error.vietnameseMessage)
                if !json { printHuman(report) }
                reports.append(report)
                continue
            }
            report.notes = result.notes
            report.diagnostics = result.diagnostics
            if result.symbols.isEmpty { unread = true }
            for symbol in result.symbols {
                var code = CodeReport(symbology: symbol.symbology.rawValue, text: symbol.text)
                guard let text = symbol.text else {
                    rejected = true
                    report.codes.append(code)
                    continue
                }
                let verdict = trace.verifier.verify(text)
                code.verdict = verdict
                if verdict.kind != .genuine { rejected = true }
                if let gtin = verdict.gtin, let serial = verdict.serial {
                    let event = try reporting {
                        try trace.ledger.observe(.inspecting, epcs: [Stamp.epc(gtin: gtin, serial: serial)],
                                                 reason: "photo verification: \(verdict.kind.rawValue): \(verdict.reason)")
                    }
                    code.eventID = event.eventID
                }
                report.codes.append(code)
            }
            if !json { printHuman(report) }
            reports.append(report)
        }
        if json { try printJSON(reports) }
        if rejected { throw ExitCode(2) }
        if unread { throw ExitCode(3) }
    }

    /// What an inspector reads: the verdict first, in Vietnamese, then the stamp's data.
    func printHuman(_ r: PhotoReport) {
        print(r.photo)
        if let e = r.error {
            print("  KHÔNG ĐỌC ĐƯỢC ẢNH: \(e.vietnamese)\n  (\(e.message))")
            return
        }
        if let d = r.diagnostics {
            let passes = d.passes.map(\.name)
            let readBy = d.passes.last(where: { $0.new > 0 })?.name ?? "-"
            print("  \(r.codes.count) mã · \(Int(d.totalMilliseconds.rounded())) ms · \(passes.count) lượt xử lý ảnh, đọc được ở lượt: \(readBy)")
        }
        for c in r.codes {
            guard let v = c.verdict else {
                print("  [\(c.symbology)] nội dung không phải văn bản UTF-8: không phải tem truy xuất.")
                continue
            }
            print("  [\(v.kind.rawValue.uppercased())] \(v.message)")
            var facts: [String] = []
            if let p = v.productName { facts.append(p) }
            if let p = v.producer { facts.append("nhà sản xuất: \(p)") }
            if let l = v.lot { facts.append("lô \(l)") }
            if let x = v.expiry { facts.append("HSD \(x)") }
            if let s = v.serial { facts.append("sê-ri \(s)") }
            if v.serial != nil { facts.append("đã kiểm tra \(v.scanCount) lần trước") }
            if !facts.isEmpty { print("    " + facts.joined(separator: " · ")) }
            print("    \(v.reason)\(v.offline ? " (offline: this station's data only)" : "")")
            if c.verdict?.kind == .notAStamp, let t = c.text { print("    \(c.symbology): \(t)") }
        }
        for n in r.notes { print("  • \(n.vietnamese)\n    \(n.english)") }
    }
}
