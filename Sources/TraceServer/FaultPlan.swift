import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore

/// Faults injected into the server's answers, for end-to-end tests of station sync only.
///
/// Enabled solely by `--fault-plan FILE` (hidden from `--help`); a production server never has
/// one. The file is JSON: requests to `path` consume the steps in order, each `times` times, and
/// once the steps are used up every request is served normally:
///
/// ```json
/// {"path": "/epcis/capture", "steps": [
///   {"action": "pass", "times": 1},
///   {"action": "status", "status": 500, "times": 2},
///   {"action": "status", "status": 429, "retryAfter": 1},
///   {"action": "malformed"},
///   {"action": "delay", "seconds": 3},
///   {"action": "storeThenFail", "status": 503},
///   {"action": "storeThenDelay", "seconds": 5}]}
/// ```
///
/// `status`, `malformed` and `delay` act before the request is handled (nothing is stored, except
/// that a delayed request is still handled afterwards); the `storeThen…` actions let the server
/// store the events and then lose, break or hold back the answer, which is what a crash or a
/// dropped connection after the commit looks like to a station.
public struct FaultPlan: Codable, Sendable, Equatable {
    /// One fault, applied to `times` consecutive matching requests (default 1).
    public struct Step: Codable, Sendable, Equatable {
        /// What happens to the request; see the type's overview.
        public enum Action: String, Codable, Sendable { case pass, status, malformed, delay, storeThenFail, storeThenDelay, storeThenMalformed }
        public var action: Action
        public var times: Int?
        /// HTTP status for `status` and `storeThenFail`.
        public var status: Int?
        /// `Retry-After` seconds to send with `status`.
        public var retryAfter: Int?
        /// Pause for `delay` and `storeThenDelay`.
        public var seconds: Double?
    }
    /// The request path the plan applies to, e.g. `/epcis/capture`.
    public var path: String
    public var steps: [Step]

    /// Reads a plan file, checking that every step has what its action needs.
    public static func load(_ path: String) throws -> FaultPlan {
        do {
            let plan = try JSONDecoder().decode(FaultPlan.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            for s in plan.steps where (s.action == .status || s.action == .storeThenFail) && s.status == nil {
                throw TraceServerError.invalidFaultPlan(path: path, reason: "a \(s.action.rawValue) step needs \"status\"")
            }
            return plan
        } catch let e as TraceServerError {
            throw e
        } catch {
            throw TraceServerError.invalidFaultPlan(path: path, reason: "\(error)")
        }
    }
}

/// Applies a ``FaultPlan`` to matching requests.
struct FaultInjectionMiddleware<Context: RequestContext>: RouterMiddleware {
    let plan: FaultPlan
    /// (step index, uses of that step so far)
    private let state = NIOLockedValueBox((0, 0))

    init(plan: FaultPlan) { self.plan = plan }

    func nextStep() -> FaultPlan.Step? {
        state.withLockedValue { s in
            while s.0 < plan.steps.count {
                let step = plan.steps[s.0]
                if s.1 < max(1, step.times ?? 1) {
                    s.1 += 1
                    return step
                }
                s = (s.0 + 1, 0)
            }
            return nil
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path == plan.path, let step = nextStep() else { return try await next(request, context) }
        context.logger.notice("fault plan step", metadata: ["action": "\(step.action.rawValue)"])
        switch step.action {
        case .pass:
            return try await next(request, context)
        case .status:
            return Self.failure(step)
        case .malformed:
            return Self.malformed()
        case .delay:
            try await Task.sleep(for: .milliseconds(Int((step.seconds ?? 1) * 1000)))
            return try await next(request, context)
        case .storeThenFail:
            _ = try await next(request, context)
            return Self.failure(step)
        case .storeThenDelay:
            let response = try await next(request, context)
            try await Task.sleep(for: .milliseconds(Int((step.seconds ?? 1) * 1000)))
            return response
        case .storeThenMalformed:
            _ = try await next(request, context)
            return Self.malformed()
        }
    }

    static func failure(_ step: FaultPlan.Step) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let r = step.retryAfter { headers[.retryAfter] = String(r) }
        return Response(status: .init(code: step.status ?? 500), headers: headers,
                        body: .init(byteBuffer: ByteBuffer(string: #"{"error":"injected fault"}"#)))
    }

    static func malformed() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: #"{"accepted": ["#)))
    }
}
