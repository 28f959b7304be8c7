import ArgumentParser
import Barcodes
import Foundation
import Sync
import Trace

/// `station verify PHOTO... [--json]`: an inspector's photos in, a verdict per stamp out.
///
/// Each photo is decoded in the isolated `station-decode` process (a hostile or broken file costs
/// that photo, not the station), every code found is checked with ``StampVerifier``, and every
/// stamp code is recorded as an `inspecting` event, so the province sees where and when stamps
/// were checked and how often. With a trace-server configured (or `--online`), each code is also
/// checked by the server's verify endpoint, whose verdict (the province's history of the stamp,
/// its scan count, copied-code warnings) is shown beside the station's own.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read the stamps in photos and tell whether each is genuine (records an inspecting event per stamp).",
        discussion: """
            Photos are JPEG or PNG (phone photos up to 12 MP and more). Each is decoded in a separate, \
            limited process. Exit status: 0 every photo had a code and every stamp is genuine; \
            2 a code is not a genuine stamp (forged, void, suspicious, unknown, not a stamp); \
            3 a photo could not be read or had no code (and no stamp was rejected). \
            When the server answered, its verdict decides the exit status; offline, the station's own.
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

    @Flag(help: "Also ask the trace-server (server.url) for its verdict; the default when server.url is set.")
    var online = false

    @Flag(help: "Use only what this station knows, even when server.url is set.")
    var offline = false

    @Option(help: "Seconds to wait for the trace-server's answer.")
    var serverTimeout: Double = 5

    /// One code found in a photo and what the station knows about it.
    struct CodeReport: Encodable {
        var symbology: String
        var text: String?
        var verdict: StampVerdict?
        /// The inspecting event recorded for a stamp code.
        var eventID: String?
        /// The trace-server's verdict, when it was asked and answered.
        var server: ServerVerdict?
        /// Why there is no server verdict (offline, unreachable), when one was wanted.
        var serverNote: String?
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
        guard !(online && offline) else { throw ValidationError("--online and --offline exclude each other") }
        guard serverTimeout > 0, serverTimeout <= 120 else { throw ValidationError("--server-timeout must be between 0 and 120 seconds") }
    }

    /// The server client when the server is to be asked: `--online`, or server.url set and not `--offline`.
    func serverClient() throws -> ServerVerificationClient? {
        guard !offline else { return nil }
        let config = try options.load()
        if config.serverURL.isEmpty && !online { return nil }
        do {
            return try ServerVerificationClient(serverURL: config.serverURL, timeout: .milliseconds(Int64(serverTimeout * 1000)),
                                                http: try ServerHTTP.client(caFile: config.serverCAFile))
        } catch {
            FileHandle.standardError.write(Data("station: --online: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }

    func run() async throws {
        let trace = try openTrace(options)
        let server = try serverClient()
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
                if let server {
                    do { code.server = try await server.verdict(for: text) } catch {
                        if case .transport(let why) = error { code.serverNote = "no answer from \(server.serverURL): \(why)" } else { code.serverNote = "\(error)" }
                    }
                }
                // The province knows more than one station: its verdict decides when it answered.
                if (code.server.map { $0.verdict != StampVerdict.Kind.genuine.rawValue } ?? (verdict.kind != .genuine)) { rejected = true }
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
            if !v.history.isEmpty { print("    Lịch sử tại trạm này:") }
            for h in v.history {
                let extra = [h.disposition, h.reprint ? "in lại" : nil, h.reason].compactMap { $0 }.joined(separator: " · ")
                print("      \(h.eventTime)  \(h.bizStep ?? "-")\(extra.isEmpty ? "" : " (\(extra))")")
            }
            if let sv = c.server { printServer(sv) }
            if let note = c.serverNote {
                print("  MÁY CHỦ TỈNH: không hỏi được — kết quả trên chỉ dựa vào dữ liệu của trạm này.\n    (server unreachable, local verdict only: \(note))")
            }
            if c.verdict?.kind == .notAStamp, let t = c.text { print("    \(c.symbology): \(t)") }
        }
        for n in r.notes { print("  • \(n.vietnamese)\n    \(n.english)") }
    }

    /// The server's verdict under the station's: verdict, scan count, warnings, the stamp's history.
    func printServer(_ v: ServerVerdict) {
        print("  MÁY CHỦ TỈNH: [\(v.verdict.uppercased())] \(v.message)")
        var facts: [String] = []
        if let p = v.product?.name { facts.append(p) }
        if let p = v.producer?.name { facts.append("nhà sản xuất: \(p)") }
        if let l = v.lot { facts.append("lô \(l)") }
        facts.append("tra cứu \(v.scanCount) lần trên máy chủ")
        print("    " + facts.joined(separator: " · "))
        print("    \(v.reason) (trace-server)")
        for w in v.warnings { print("    CẢNH BÁO [\(w.code)]: \(w.message)") }
        for h in v.history {
            print("    \(h.eventTime)  \(h.bizStep ?? "-")\(h.stationID.map { " · trạm \($0)" } ?? "")\(h.correction ? " (khai báo sai sót)" : "")")
        }
    }
}
