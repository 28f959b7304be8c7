import Foundation
import Hummingbird
import MetricsExposition
import NIOConcurrencyHelpers
import NIOCore

/// `GET /metrics` of the trace-server in the Prometheus text format, and the middleware that
/// counts what it reports: capture requests and their events (accepted, duplicate, rejected, read
/// from each capture answer), verification requests, and whether the storage backend answers.
/// Counters start at zero when the process starts, as Prometheus expects of counters.
final class TraceServerMetrics: Sendable {
    struct Counts {
        var captureRequests: [Int: Int] = [:]
        var captureEvents: [String: Int] = ["accepted": 0, "duplicate": 0, "rejected": 0]
        var verifyRequests: [Int: Int] = [:]
    }

    private let counts = NIOLockedValueBox(Counts())
    let started = Date()

    /// Adds the counting middleware and the `/metrics` route. Call it before the routes it
    /// should count are added (Hummingbird applies a middleware to routes added after it).
    static func add(to router: Router<BasicRequestContext>, core: TraceServerCore) {
        let metrics = TraceServerMetrics()
        router.middlewares.add(MetricsMiddleware(metrics: metrics))
        router.get("/metrics") { _, _ -> Response in
            let text = await metrics.render(storageUp: await storageAnswers(core)).render()
            return Response(status: .ok, headers: [.contentType: PrometheusText.contentType],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }

    /// True when the storage backend answers a small query within 3 seconds.
    static func storageAnswers(_ core: TraceServerCore) async -> Bool {
        await withTaskGroup(of: Bool?.self) { race in
            race.addTask { (try? await core.storage.stations()) != nil }
            race.addTask { try? await Task.sleep(for: .seconds(3)); return nil }
            let first = await race.next() ?? nil
            race.cancelAll()
            return first ?? false
        }
    }

    func captured(status: Int, body: ByteBuffer?) {
        struct Answer: Decodable {
            struct Entry: Decodable { init(from decoder: Decoder) throws {} }
            let accepted: [String]?
            let duplicates: [String]?
            let rejected: [Entry]?
        }
        let answer = body.flatMap { try? JSONDecoder().decode(Answer.self, from: Data($0.readableBytesView)) }
        counts.withLockedValue { c in
            c.captureRequests[status, default: 0] += 1
            c.captureEvents["accepted", default: 0] += answer?.accepted?.count ?? 0
            c.captureEvents["duplicate", default: 0] += answer?.duplicates?.count ?? 0
            c.captureEvents["rejected", default: 0] += answer?.rejected?.count ?? 0
        }
    }

    func verified(status: Int) {
        counts.withLockedValue { $0.verifyRequests[status, default: 0] += 1 }
    }

    func render(storageUp: Bool, now: Date = Date()) -> PrometheusText {
        let c = counts.withLockedValue { $0 }
        var m = PrometheusText()
        if c.captureRequests.isEmpty {
            m.counter("trace_server_capture_requests_total", "EPCIS capture requests by HTTP status.", 0, labels: [("code", "200")])
        }
        for (code, n) in c.captureRequests.sorted(by: { $0.key < $1.key }) {
            m.counter("trace_server_capture_requests_total", "EPCIS capture requests by HTTP status.", Double(n), labels: [("code", String(code))])
        }
        for (outcome, n) in c.captureEvents.sorted(by: { $0.key < $1.key }) {
            m.counter("trace_server_capture_events_total", "Captured events: accepted (stored now), duplicate (stored before), rejected.",
                      Double(n), labels: [("outcome", outcome)])
        }
        if c.verifyRequests.isEmpty {
            m.counter("trace_server_verify_requests_total", "Stamp verification requests (GET /01/...) by HTTP status.", 0, labels: [("code", "200")])
        }
        for (code, n) in c.verifyRequests.sorted(by: { $0.key < $1.key }) {
            m.counter("trace_server_verify_requests_total", "Stamp verification requests (GET /01/...) by HTTP status.",
                      Double(n), labels: [("code", String(code))])
        }
        m.gauge("trace_server_storage_up", "1 when the storage backend (SQLite or PostgreSQL) answers, 0 when it does not.", storageUp ? 1 : 0)
        m.gauge("trace_server_uptime_seconds", "Seconds since the server started.", now.timeIntervalSince(started).rounded())
        return m
    }
}

/// Counts capture and verification requests; a capture answer's body is read as it is sent.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: TraceServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let isCapture = request.method == .post && path == "/epcis/capture"
        let isVerify = request.method == .get && path.hasPrefix("/01/")
        guard isCapture || isVerify else { return try await next(request, context) }
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? Routes.RequestProblem)?.response.status.code ?? (error as? any HTTPResponseError)?.status.code ?? 500
            if isCapture { metrics.captured(status: status, body: nil) } else { metrics.verified(status: status) }
            throw error
        }
        let status = response.status.code
        guard isCapture else {
            metrics.verified(status: status)
            return response
        }
        var counted = response
        let original = response.body
        counted.body = ResponseBody(contentLength: original.contentLength) { [metrics] writer in
            let collected = NIOLockedValueBox(ByteBuffer())
            defer { metrics.captured(status: status, body: collected.withLockedValue { $0 }) }
            try await original.map { buffer in
                collected.withLockedValue { var b = buffer; $0.writeBuffer(&b) }
                return buffer
            }.write(writer)
        }
        return counted
    }
}
