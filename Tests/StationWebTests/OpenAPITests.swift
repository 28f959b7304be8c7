import Foundation
import Hummingbird
import Testing
@testable import StationWeb

/// The OpenAPI document cannot drift from the router: every route registered is described, every
/// path described exists, and `docs/openapi.yaml` is the document the station serves.
@Suite("OpenAPI document") struct OpenAPITests {
    static let docsFile = WebHarness.packageRoot.appendingPathComponent("docs/openapi.yaml")

    /// `METHOD /path` for every operation in the document.
    static func documentedOperations(_ yaml: String) -> Set<String> {
        var out: Set<String> = []
        var path: String?
        var inPaths = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                path = String(line.dropFirst(2).dropLast())
            } else if let path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let method = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete", "head"].contains(method) { out.insert("\(method.uppercased()) \(path)") }
            }
        }
        return out
    }

    @Test func everyRegisteredRouteIsDocumentedAndNothingElse() throws {
        let h = try WebHarness.make()
        let router = Router()
        StationWebServer.routes(router, core: h.core, auth: h.auth, runner: h.runner, hub: h.hub)
        let registered = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        let documented = Self.documentedOperations(OpenAPIDocument.yaml)
        #expect(registered.count >= 30, "\(registered.sorted())")
        #expect(registered.subtracting(documented).isEmpty, "routes missing from the OpenAPI document: \(registered.subtracting(documented).sorted())")
        #expect(documented.subtracting(registered).isEmpty, "documented but not routed: \(documented.subtracting(registered).sorted())")
    }

    @Test func checkedInDocumentIsTheServedOne() throws {
        if ProcessInfo.processInfo.environment["STATION_WRITE_OPENAPI"] == "1" {
            try OpenAPIDocument.yaml.write(to: Self.docsFile, atomically: true, encoding: .utf8)
        }
        let checkedIn = try String(contentsOf: Self.docsFile, encoding: .utf8)
        #expect(checkedIn == OpenAPIDocument.yaml,
                "docs/openapi.yaml is stale: STATION_WRITE_OPENAPI=1 .build/debug/stationPackageTests.xctest --testing-library swift-testing --filter OpenAPITests")
    }

    @Test func theDocumentIsServed() async throws {
        let h = try WebHarness.make()
        try await h.run { client in
            try await client.execute(uri: "/api/openapi.yaml", method: .get, headers: h.bearer) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("application/yaml") == true)
                #expect(String(buffer: r.body) == OpenAPIDocument.yaml)
            }
        }
    }
}
