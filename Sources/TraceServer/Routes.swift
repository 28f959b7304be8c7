import EPCIS
import Foundation
import GS1
import HTTPTypes
import Hummingbird
import NIOCore
import Trace

/// The HTTP surface of ``TraceServerCore``.
///
/// | route | who | what |
/// |---|---|---|
/// | `GET /health` | anyone | liveness |
/// | `POST /epcis/capture` | station | EPCIS 2.0 document → `CaptureAnswer` |
/// | `GET /events`, `/epcis/events` | station, admin | EPCIS query document, paged (`Link: rel="next"`) |
/// | `GET /01/{gtin}[/10/{lot}]/21/{serial}`, `/8004/{giai}` | anyone | stamp verification, JSON or Vietnamese HTML |
/// | `GET/PUT /api/products/{gtin}` | anyone / admin or producer's station | product registry |
/// | `POST /api/serial-blocks` | station | a non-overlapping block of serial counters |
/// | `GET /api/stations/me` | station | the station's record and contiguous sequence |
/// | `GET /api/export` | admin | EPCIS 2.0 document for the national portal |
enum Routes {
    static let maxQueryLimit = 10_000

    static func build(core: TraceServerCore, maxBodySize: Int, faultPlan: FaultPlan?) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(RequestProblemMiddleware<BasicRequestContext>())
        if let plan = faultPlan { router.middlewares.add(FaultInjectionMiddleware<BasicRequestContext>(plan: plan)) }
        TraceServerMetrics.add(to: router, core: core)
        let started = Date()

        router.get("/health") { _, _ in
            json(.ok, ["status": "ok", "uptimeSeconds": String(Int(Date().timeIntervalSince(started)))])
        }

        router.post("/epcis/capture") { request, context in
            let principal = try await authenticate(core, request)
            guard case .station(let station) = principal else {
                return error(.forbidden, "only station tokens may capture events; register the station with `trace-server station add`")
            }
            if let lengthText = request.headers[.contentLength], let length = Int(lengthText), length > maxBodySize {
                return tooLarge(maxBodySize)
            }
            var firstSequence: Int64?
            if let s = request.headers.first(where: { $0.name.canonicalName == TraceServerCore.firstSequenceHeader.lowercased() })?.value {
                guard let v = Int64(s), v >= 1 else {
                    return error(.badRequest, "\(TraceServerCore.firstSequenceHeader) must be a positive integer, got \"\(s)\"")
                }
                firstSequence = v
            }
            let body: ByteBuffer
            do { body = try await request.body.collect(upTo: maxBodySize) } catch is NIOTooManyBytesError { return tooLarge(maxBodySize) }
            do {
                let answer = try await core.capture(body: body.readableBytesView, station: station, firstSequence: firstSequence)
                return json(.ok, answer)
            } catch let f as CaptureFailure {
                context.logger.notice("capture refused", metadata: ["station": "\(station.id)", "status": "\(f.status)", "why": "\(f.message)"])
                return json(.init(code: f.status), CaptureErrorBody(error: f.message, accepted: f.answer.accepted,
                                                                    duplicates: f.answer.duplicates, rejected: f.answer.rejected))
            }
        }

        // The EPCIS 2.0 query interface (`/events` as in the REST binding, `/epcis/events` as before):
        // its parameter names or the short ones, one page at a time with a `Link: <…>; rel="next"`.
        @Sendable func queryEvents(_ request: Request) async throws -> Response {
            _ = try await authenticate(core, request)
            let query = try parseQuery(request, allowStation: true)
            let events = try await core.storage.events(query)
            var headers: HTTPFields = [.contentType: "application/ld+json"]
            if events.count == query.limit, let last = events.last {
                headers[HTTPField.Name("Link")!] = "<\(nextPage(request, token: last.cursor.token))>; rel=\"next\""
            }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try ResultDocuments.queryDocument(events))))
        }
        router.get("/epcis/events") { request, _ in try await queryEvents(request) }
        router.get("/events") { request, _ in try await queryEvents(request) }

        router.get("/api/export") { request, _ in
            guard case .admin = try await authenticate(core, request) else {
                return error(.forbidden, "export is for administrators; use an admin token (`trace-server admin add`)")
            }
            var q = try parseQuery(request, allowStation: false, defaultLimit: 1_000_000)
            q.limit = min(q.limit, 1_000_000)
            let events = try await core.storage.events(q)
            var headers: HTTPFields = [.contentType: "application/ld+json"]
            headers[.contentDisposition] = "attachment; filename=\"epcis-export.jsonld\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try ResultDocuments.document(events))))
        }

        // GS1 Digital Link verify paths: trade items (01) and province roll stamps (8004, GIAI).
        @Sendable func verifyAnswer(_ core: TraceServerCore, _ request: Request) async throws -> Response {
            let result = try await core.verify(path: request.uri.path, query: request.uri.query)
            let status: HTTPResponse.Status = result.verdict == .notAStamp ? .badRequest : .ok
            if prefersHTML(request) {
                return Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                                body: .init(byteBuffer: ByteBuffer(string: VerificationPage.render(result))))
            }
            var r = json(status, result)
            r.headers[.cacheControl] = "no-store"
            return r
        }
        router.get("/01/**") { request, _ in try await verifyAnswer(core, request) }
        router.get("/8004/**") { request, _ in try await verifyAnswer(core, request) }

        router.get("/api/products/:gtin") { _, context in
            let raw = context.parameters.get("gtin") ?? ""
            guard let gtin = try? GTIN(raw).gtin14 else { return error(.badRequest, "\(raw) is not a GTIN with a valid check digit") }
            guard let p = try await core.storage.product(gtin: gtin) else { return error(.notFound, "no product \(gtin) is registered") }
            return json(.ok, p)
        }

        router.put("/api/products/:gtin") { request, context in
            let principal = try await authenticate(core, request)
            let raw = context.parameters.get("gtin") ?? ""
            guard let gtin = try? GTIN(raw).gtin14 else { return error(.badRequest, "\(raw) is not a GTIN with a valid check digit") }
            let input: ProductInput
            input = try await decode(ProductInput.self, request, limit: 64 * 1024)
            guard !input.name.trimmingCharacters(in: .whitespaces).isEmpty, !input.producer.trimmingCharacters(in: .whitespaces).isEmpty else {
                return error(.unprocessableContent, "name and producer are required")
            }
            guard (try? GLN(input.producerGLN)) != nil else {
                return error(.unprocessableContent, "producerGLN \(input.producerGLN) is not a 13-digit GLN with a valid check digit")
            }
            if case .station(let s) = principal, s.gln != input.producerGLN {
                return error(.forbidden, "station \(s.id) (GLN \(s.gln)) may only register products of its own GLN; ask an administrator")
            }
            let record = ProductRecord(gtin: gtin, name: input.name, producer: input.producer, producerAddress: input.producerAddress ?? "",
                                       producerGLN: input.producerGLN, updatedAt: Date())
            try await core.storage.putProduct(record)
            return json(.ok, record)
        }

        router.post("/api/serial-blocks") { request, _ in
            let principal = try await authenticate(core, request)
            guard case .station(let station) = principal else { return error(.forbidden, "serial blocks are granted to stations") }
            let input: SerialBlockRequest
            input = try await decode(SerialBlockRequest.self, request, limit: 16 * 1024)
            guard let gtin = try? GTIN(input.gtin).gtin14 else { return error(.unprocessableContent, "\(input.gtin) is not a GTIN with a valid check digit") }
            guard let format = SerialFormat(rawValue: input.format) else { return error(.unprocessableContent, "format must be random or sequential") }
            guard (1...1_000_000).contains(input.count) else { return error(.unprocessableContent, "count must be from 1 to 1000000") }
            do {
                let block = try await core.storage.allocateSerialBlock(gtin: gtin, format: format, count: UInt64(input.count),
                                                                     capacity: format.serverCapacity, stationID: station.id)
                return json(.created, block)
            } catch let e as TraceServerError {
                return error(.conflict, e.description)
            }
        }

        router.get("/api/stations/me") { request, _ in
            switch try await authenticate(core, request) {
            case .station(let s): return json(.ok, s)
            case .admin: return error(.forbidden, "this is a station's own record; use a station token")
            }
        }
        return router
    }

    // MARK: helpers

    struct ProductInput: Decodable {
        var name: String
        var producer: String
        var producerAddress: String?
        var producerGLN: String
    }

    struct SerialBlockRequest: Decodable {
        var gtin: String
        var format: String
        var count: Int
    }

    struct CaptureErrorBody: Encodable {
        var error: String
        var accepted: [String]
        var duplicates: [String]
        var rejected: [CaptureAnswer.Rejection]
    }

    struct RequestProblem: Error { let response: Response }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch is NIOTooManyBytesError { throw RequestProblem(response: tooLarge(limit)) }
        do { return try JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) } catch {
            throw RequestProblem(response: Routes.error(.badRequest, "the body is not the expected JSON: \(error)"))
        }
    }

    static func authenticate(_ core: TraceServerCore, _ request: Request) async throws -> Principal {
        guard let p = try await core.authenticate(authorization: request.headers[.authorization]) else {
            var r = error(.unauthorized, "a valid token is required: send Authorization: Bearer <token>")
            r.headers[.wwwAuthenticate] = "Bearer realm=\"trace-server\""
            throw RequestProblem(response: r)
        }
        return p
    }

    /// Query parameters: the short names, or the EPCIS 2.0 query parameters for the same filters.
    static let queryNames: [(short: String, epcis: [String])] = [
        ("epc", ["MATCH_epc", "MATCH_anyEPC"]), ("lot", ["EQ_ILMD_lotNumber", "EQ_ILMD_cbvmda:lotNumber"]),
        ("station", []), ("bizStep", ["EQ_bizStep"]), ("from", ["GE_eventTime"]), ("to", ["LT_eventTime"]),
        ("limit", ["perPage"]), ("nextPageToken", []),
    ]

    static func parseQuery(_ request: Request, allowStation: Bool, defaultLimit: Int = 100) throws -> EventQuery {
        let p = request.uri.queryParameters
        var q = EventQuery(limit: defaultLimit)
        func bad(_ message: String) -> RequestProblem { RequestProblem(response: error(.badRequest, message)) }
        // An EPCIS query parameter this server does not evaluate is refused, never silently ignored.
        let known = Set(queryNames.flatMap { [$0.short] + $0.epcis })
        for (k, _) in p where !known.contains(String(k)) {
            let name = String(k)
            if ["EQ_", "NE_", "GE_", "GT_", "LE_", "LT_", "MATCH_", "EXISTS_", "HASATTR_", "EQATTR_", "WD_", "orderBy", "eventType"]
                .contains(where: name.hasPrefix) {
                throw bad("query parameter \(name) is not supported; filters: " + queryNames.map { ([$0.short] + $0.epcis).joined(separator: "/") }.joined(separator: ", "))
            }
        }
        func text(_ short: String) throws -> String? {
            let names = [short] + (queryNames.first { $0.short == short }?.epcis ?? [])
            let given = names.compactMap { n in p.get(n).flatMap { $0.isEmpty ? nil : (n, $0) } }
            guard given.count <= 1 else { throw bad("give one of \(given.map(\.0).joined(separator: ", ")), not several") }
            return given.first?.1
        }
        q.epc = try text("epc")
        if let e = q.epc, e.contains(",") { throw bad("one EPC per query (MATCH_epc=\(e))") }
        q.lot = try text("lot")
        q.stationID = allowStation ? try text("station") : nil
        if let s = try text("bizStep") { q.bizStep = BizStep(rawValue: s)?.rawValue ?? s }
        for (k, keyPath) in [("from", \EventQuery.from), ("to", \EventQuery.to)] {
            if let v = try text(k) {
                guard let d = ServerTime.queryBound(v) else {
                    throw bad("\(k)=\(v) is not a time like 2025-03-14T00:00:00+07:00 or a date like 2025-03-14")
                }
                q[keyPath: keyPath] = d
            }
        }
        if let l = try text("limit") {
            guard let n = Int(l), n >= 1 else { throw bad("limit (perPage) must be a positive integer") }
            q.limit = allowStation ? min(n, maxQueryLimit) : n
        }
        if let t = try text("nextPageToken") {
            guard let c = EventQuery.Cursor(token: t) else { throw bad("nextPageToken \(t) is not a token this server gave") }
            q.after = c
        }
        return q
    }

    /// The URL of the page after this one: the same request with `nextPageToken`.
    static func nextPage(_ request: Request, token: String) -> String {
        var parts = request.uri.queryParameters.filter { $0.key != "nextPageToken" }.map { k, v in
            "\(k)=\(String(v).addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? String(v))"
        }
        parts.append("nextPageToken=\(token)")
        return request.uri.path + "?" + parts.joined(separator: "&")
    }

    static func prefersHTML(_ request: Request) -> Bool {
        guard let accept = request.headers[.accept]?.lowercased() else { return false }
        guard let html = accept.range(of: "text/html") else { return false }
        if let j = accept.range(of: "application/json") { return html.lowerBound < j.lowerBound }
        return true
    }

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        enc.dateEncodingStrategy = .iso8601
        let data = (try? enc.encode(value)) ?? Data(#"{"error":"response could not be encoded"}"#.utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        json(status, ["error": message])
    }

    static func tooLarge(_ limit: Int) -> Response {
        error(.contentTooLarge, "the body is larger than \(limit) bytes; send fewer events per request or raise --max-body-size")
    }
}

/// Turns a ``Routes/RequestProblem`` thrown anywhere in a handler into its prepared response.
struct RequestProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do { return try await next(request, context) } catch let p as Routes.RequestProblem { return p.response }
    }
}

extension CharacterSet {
    /// What may stay unescaped in a query value (`&`, `=`, `+` and `#` are escaped).
    static let urlQueryValueAllowed: CharacterSet = {
        var s = CharacterSet.urlQueryAllowed
        s.remove(charactersIn: "&=+#")
        return s
    }()
}
