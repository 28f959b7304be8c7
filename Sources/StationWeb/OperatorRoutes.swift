import Barcodes
import Devices
import Foundation
import Hummingbird
import NIOCore
import NIOPosix
import Station
import Sync
import Trace

/// The operator's API: print jobs, printers, the scan log, reprint and void, label preview,
/// photo verification, sync status and the live event stream.
enum OperatorRoutes {
    struct NewJob: Decodable {
        let batch: String
        let count: Int
        let printer: String?
        let operatorID: String?
    }

    struct Resume: Decodable { let force: Bool? }
    struct OperatorOnly: Decodable { let operatorID: String? }

    struct Resolution: Decodable {
        let printed: [String]?
        let voided: [String]?
        let allPrinted: Bool?
        let allVoid: Bool?
        let reason: String?
        let operatorID: String?
    }

    struct StampAction: Decodable {
        let gtin: String
        let serial: String
        let reason: String
        let printer: String?
        let operatorID: String?
    }

    struct StampAnswer: Encodable {
        let serial: String
        let eventID: String
        let sequence: Int64
        let printedOn: String?
    }

    struct SyncAnswer: Encodable {
        let server: String
        let online: Bool
        let status: SyncStatus
    }

    static let previewSerial = "XEMTRUOC01"
    /// Photos larger than this are refused before decoding (a 12 MP JPEG is about 5 MB).
    static let maxPhotoBytes = 25 << 20

    static func add(to router: Router<BasicRequestContext>, core: StationCore, runner: JobRunner, hub: LiveHub) {
        addJobs(router, core: core, runner: runner)
        router.get("/api/printers") { _, _ -> Response in
            try APIAnswer.json(await PrinterBoard.all(core: core, runner: runner))
        }
        router.get("/api/scanners") { _, _ -> Response in
            try APIAnswer.json(ScannerView.all(core))
        }
        router.get("/api/scans") { request, _ -> Response in
            let limit = min(max(request.uri.queryParameters.get("limit", as: Int.self) ?? 50, 1), 500)
            let after = request.uri.queryParameters.get("after", as: Int64.self) ?? 0
            return try APIAnswer.json(ScanLogEntry.fetch(core, after: after, limit: limit))
        }
        router.post("/api/stamps/void") { request, context -> Response in
            try await APIAnswer.failable {
                let a = try await request.decode(as: StampAction.self, context: context)
                let gtin = try core.trace.catalog.product(gtin: a.gtin).gtin
                let e = try core.trace.ledger.void(nil, gtin: gtin, serial: a.serial, reason: a.reason, operatorID: a.operatorID)
                return try APIAnswer.json(StampAnswer(serial: a.serial, eventID: e.eventID, sequence: e.seq, printedOn: nil))
            }
        }
        router.post("/api/stamps/reprint") { request, context -> Response in
            try await APIAnswer.failable {
                let a = try await request.decode(as: StampAction.self, context: context)
                return try await reprint(a, core: core, runner: runner)
            }
        }
        router.get("/api/labels/preview") { request, _ -> Response in
            try await APIAnswer.failable { try preview(request, core: core) }
        }
        router.post("/api/inspect/photo") { request, _ -> Response in
            var request = request
            let body: ByteBuffer
            do { body = try await request.collectBody(upTo: maxPhotoBytes) } catch {
                return try APIAnswer.error("Ảnh quá lớn (tối đa \(maxPhotoBytes >> 20) MB).", status: .contentTooLarge)
            }
            guard body.readableBytes > 0 else { return try APIAnswer.error("Gửi ảnh JPEG hoặc PNG trong thân yêu cầu.", status: .badRequest) }
            let report = try await PhotoInspection.inspect(Array(body.readableBytesView), trace: core.trace, server: inspectionServer(core))
            return try APIAnswer.json(report, status: report.error == nil ? .ok : .unprocessableContent)
        }
        router.get("/api/sync") { _, _ -> Response in
            let status = try SyncOutbox(store: core.trace.store, events: core.trace.ledger.events).status()
            return try APIAnswer.json(SyncAnswer(server: core.config.serverURL, online: !core.config.serverURL.isEmpty, status: status))
        }
        router.get("/api/events/stream") { request, _ -> Response in
            hub.response(limit: request.uri.queryParameters.get("limit", as: Int.self))
        }
        router.get("/api/openapi.yaml") { _, _ -> Response in
            var headers = HTTPFields()
            headers[.contentType] = "application/yaml; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }

    static func addJobs(_ router: Router<BasicRequestContext>, core: StationCore, runner: JobRunner) {
        router.post("/api/jobs") { request, context -> Response in
            try await APIAnswer.failable {
                let j = try await request.decode(as: NewJob.self, context: context)
                return try APIAnswer.json(try await runner.create(batch: j.batch, count: j.count, printer: j.printer, operatorID: j.operatorID),
                                          status: .created)
            }
        }
        router.get("/api/jobs") { request, _ -> Response in
            try APIAnswer.json(try await runner.list(activeOnly: request.uri.queryParameters.get("active") == "true"))
        }
        router.get("/api/jobs/{id}") { _, context -> Response in
            try await APIAnswer.failable { try APIAnswer.json(try await runner.view(try jobID(context), detailed: true)) }
        }
        router.post("/api/jobs/{id}/pause") { _, context -> Response in
            try await APIAnswer.failable { try APIAnswer.json(try await runner.pause(try jobID(context))) }
        }
        router.post("/api/jobs/{id}/resume") { request, context -> Response in
            try await APIAnswer.failable {
                let force = (try? await request.decode(as: Resume.self, context: context))?.force ?? false
                return try APIAnswer.json(try await runner.resume(try jobID(context), force: force))
            }
        }
        router.post("/api/jobs/{id}/cancel") { request, context -> Response in
            try await APIAnswer.failable {
                let who = (try? await request.decode(as: OperatorOnly.self, context: context))?.operatorID
                return try APIAnswer.json(try await runner.cancel(try jobID(context), operatorID: who))
            }
        }
        router.post("/api/jobs/{id}/resolve") { request, context -> Response in
            try await APIAnswer.failable {
                let id = try jobID(context)
                let r = try await request.decode(as: Resolution.self, context: context)
                let uncertain = try await runner.view(id, detailed: true).uncertainSerials ?? []
                let printed = r.allPrinted == true ? uncertain : r.printed ?? []
                let voided = r.allVoid == true ? uncertain : r.voided ?? []
                guard !printed.isEmpty || !voided.isEmpty else { throw APIInputError("Chọn tem đã in (printed) hoặc tem hủy (voided).") }
                return try APIAnswer.json(try await runner.resolve(id, printed: printed, voided: voided,
                                                                   reason: r.reason ?? "tem hỏng khi máy in lỗi (spoiled when the printer failed)",
                                                                   operatorID: r.operatorID))
            }
        }
    }

    static func jobID(_ context: BasicRequestContext) throws -> Int64 {
        guard let id = context.parameters.get("id", as: Int64.self) else { throw APIInputError("Mã lệnh in phải là một số.") }
        return id
    }

    /// Records the reprint (limited per stamp, with a reason), then prints the same serial again.
    static func reprint(_ a: StampAction, core: StationCore, runner: JobRunner) async throws -> Response {
        let gtin = try core.trace.catalog.product(gtin: a.gtin).gtin
        let printer = try PrinterSetup.pick(core.printers, named: a.printer)
        if let busy = await runner.busyJob(printer: printer.name) { throw APIInputError("Máy in \(printer.name) đang in lệnh \(busy).") }
        guard let batchID = try await core.store.pool.read({ db in
            try Int64.fetchOne(db, sql: "SELECT batch_id FROM serial_states WHERE gtin = ? AND serial = ?", arguments: [gtin, a.serial])
        }) else { throw LedgerError.unknownSerial(gtin: gtin, serial: a.serial) }
        let label = try runner.labelFactory(batch: try core.trace.catalog.batch(id: batchID), printer: printer).label(serial: a.serial)
        // A printer that cannot print now: nothing recorded, so the stamp's reprint limit is not used up.
        let status = (try? await printer.status()) ?? PrinterStatus(condition: .notResponding)
        guard status.canPrint else {
            return try APIAnswer.error("Máy in \(printer.name): \(status.condition.vietnamese). Chưa ghi lần in lại; sửa máy in rồi thử lại.", status: .conflict)
        }
        let e = try core.trace.ledger.reprint(gtin: gtin, serial: a.serial, reason: a.reason, operatorID: a.operatorID)
        do {
            _ = try await core.print(label, on: printer.name)
        } catch {
            return try APIAnswer.error("Đã ghi lần in lại (sự kiện \(e.seq)) nhưng máy in báo lỗi: \(error). Sửa máy in rồi in lại.", status: .badGateway)
        }
        return try APIAnswer.json(StampAnswer(serial: a.serial, eventID: e.eventID, sequence: e.seq, printedOn: printer.name))
    }

    /// `GET /api/labels/preview?batch=LOT[&product=GTIN][&serial=S][&dpi=N]`: the PNG a raster label puts on paper.
    static func preview(_ request: Request, core: StationCore) throws -> Response {
        let q = request.uri.queryParameters
        guard let ref = q.get("batch"), !ref.isEmpty else { throw APIInputError("Thiếu tham số batch (mã lô hoặc số lô).") }
        let batch = try core.trace.catalog.batch(named: ref, gtin: try q.get("product").map { try core.trace.catalog.product(gtin: $0).gtin })
        let product = try core.trace.catalog.product(gtin: batch.gtin)
        let serial = q.get("serial").flatMap { $0.isEmpty ? nil : $0 } ?? previewSerial
        let factory = try LabelFactory(templatesDirectory: core.config.templatesDirectory, product: product, batch: batch, language: .zpl,
                                       dpi: q.get("dpi", as: Int.self) ?? 0, mode: .raster, resolver: core.config.resolverBase,
                                       tagger: core.trace.tagger)
        let png = try factory.bitmap(serial: serial).pngData()
        var headers = HTTPFields()
        headers[.contentType] = "image/png"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: png)))
    }
}

/// The trace-server an inspector's upload is also checked against: the configured `server.url`,
/// or nil when the station works offline (or the server's CA file is unusable, which `doctor` reports).
func inspectionServer(_ core: StationCore) -> ServerVerificationClient? {
    guard !core.config.serverURL.isEmpty else { return nil }
    return try? ServerVerificationClient(serverURL: core.config.serverURL, timeout: .seconds(5),
                                         http: try ServerHTTP.client(caFile: core.config.serverCAFile))
}

/// An inspector's photo: decoded in the isolated decoder process, every code checked, every stamp
/// recorded as an inspecting event (what `station verify` does for files). With a trace-server,
/// each code is also checked there: the province's verdict (its history of the stamp, scans at
/// other stations, copied-code warnings) beside the station's own, or why the server could not say.
enum PhotoInspection {
    struct Code: Encodable {
        var symbology: String
        var text: String?
        var verdict: StampVerdict?
        var eventID: String?
        /// The trace-server's verdict, when it was asked and answered.
        var server: ServerVerdict?
        /// Why there is no server verdict although a server is configured (unreachable, an error).
        var serverNote: String?
    }

    struct Note: Encodable { var kind: String; var vietnamese: String; var english: String }
    struct Failure: Encodable { var kind: String; var message: String; var vietnamese: String }

    struct Report: Encodable {
        var codes: [Code] = []
        var notes: [Note] = []
        var milliseconds: Int?
        var error: Failure?
    }

    static func inspect(_ bytes: [UInt8], trace: TraceServices, server: ServerVerificationClient? = nil,
                        decoder: IsolatedPhotoDecoder = IsolatedPhotoDecoder()) async throws -> Report {
        // The decoder waits for a child process: keep it off the event loops.
        let outcome: Result<PhotoDecodeResult, PhotoDecodingError> = try await NIOThreadPool.singleton.runIfActive {
            do throws(PhotoDecodingError) { return .success(try decoder.decode(bytes)) } catch { return .failure(error) }
        }
        var report = Report()
        let result: PhotoDecodeResult
        switch outcome {
        case .failure(let e):
            report.error = Failure(kind: e.kind, message: e.description, vietnamese: e.vietnameseMessage)
            return report
        case .success(let r): result = r
        }
        report.milliseconds = Int(result.diagnostics.totalMilliseconds.rounded())
        report.notes = result.notes.map { Note(kind: $0.kind.rawValue, vietnamese: $0.vietnamese, english: $0.english) }
        for symbol in result.symbols {
            var code = Code(symbology: symbol.symbology.rawValue, text: symbol.text)
            if let text = symbol.text {
                let v = trace.verifier.verify(text)
                code.verdict = v
                if let server {
                    do { code.server = try await server.verdict(for: text) } catch {
                        if case .transport(let why) = error { code.serverNote = "no answer from \(server.serverURL): \(why)" } else { code.serverNote = "\(error)" }
                    }
                }
                if let gtin = v.gtin, let serial = v.serial {
                    code.eventID = try trace.ledger.observe(.inspecting, epcs: [Stamp.epc(gtin: gtin, serial: serial)],
                                                            reason: "photo verification (web): \(v.kind.rawValue): \(v.reason)").eventID
                }
            }
            report.codes.append(code)
        }
        return report
    }
}

/// A configured scanner with its mode and, for a device scanner, the connection state it last reported.
struct ScannerView: Codable, Sendable, Equatable {
    var name: String
    var source: String
    var mode: String
    /// `connected`, `disconnected`, `waiting`, `permission_denied`, …; `stdin` for keyboard-wedge input.
    var state: String
    var message: String
    var detail: String
    var since: String?

    static func all(_ core: StationCore) -> [ScannerView] {
        let board = Dictionary(uniqueKeysWithValues: core.scanners.snapshot().scanners.map { ($0.name, $0) })
        return core.config.scanners.map { c in
            if let e = board[c.name] {
                return ScannerView(name: c.name, source: c.source.rawValue, mode: c.mode.rawValue, state: e.state, message: e.message,
                                   detail: e.detail, since: e.since)
            }
            let stdin = c.source.rawValue == "stdin"
            return ScannerView(name: c.name, source: c.source.rawValue, mode: c.mode.rawValue, state: stdin ? "stdin" : "waiting",
                               message: stdin ? "Nhập từ bàn phím (máy quét kiểu bàn phím)" : "Đang chờ kết nối máy quét",
                               detail: stdin ? "keyboard-wedge input on the daemon's standard input" : "no status reported yet", since: nil)
        }
    }
}
