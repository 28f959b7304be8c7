import Foundation
import Hummingbird
import Testing
@testable import TraceServer

@Suite("Server configuration") struct ConfigurationTests {
    @Test func flagsWinOverEnvironmentOverDefaults() throws {
        let env = ["TRACE_SERVER_PORT": "9000", "TRACE_SERVER_HOST": "0.0.0.0", "TRACE_SERVER_MAX_BODY_SIZE": "2m", "TRACE_SERVER_DATA_DIR": "/srv/trace"]
        let c = try ServerConfiguration.resolve(flags: ["port": "0"], environment: env)
        #expect(c.port == 0)
        #expect(c.host == "0.0.0.0")
        #expect(c.maxBodySize == 2 * 1024 * 1024)
        #expect(c.dataDirectory.path == "/srv/trace")
        #expect(c.storage == .sqlite)
        let d = try ServerConfiguration.resolve(flags: [:], environment: [:])
        #expect(d.port == 8090 && d.host == "127.0.0.1" && d.keyRing == nil && d.faultPlan == nil)
    }

    @Test func badValuesSayWhatIsExpected() {
        #expect(throws: TraceServerError.invalidConfiguration(key: "port", value: "eighty", expected: "an integer from 0 to 65535")) {
            try ServerConfiguration.resolve(flags: ["port": "eighty"], environment: [:])
        }
        #expect(throws: TraceServerError.self) { try ServerConfiguration.resolve(flags: ["storage": "mysql"], environment: [:]) }
        #expect(throws: TraceServerError.self) { try ServerConfiguration.resolve(flags: ["storage": "postgres"], environment: [:]) }
        #expect(throws: TraceServerError.self) { try ServerConfiguration.resolve(flags: ["tls-cert": "/x.pem"], environment: [:]) }
        #expect(throws: TraceServerError.self) { try ServerConfiguration.resolve(flags: ["max-body-size": "12"], environment: [:]) }
    }

    @Test func postgresURLs() throws {
        let u = try PostgresURL("postgres://trace:s%40cret@127.0.0.1:55432/trace?sslmode=disable")
        #expect(u.host == "127.0.0.1" && u.port == 55432 && u.username == "trace" && u.password == "s@cret" && u.database == "trace" && u.tls == .disable)
        #expect(try PostgresURL("postgresql://u@db/x").port == 5432)
        #expect(throws: TraceServerError.self) { try PostgresURL("mysql://u@h/db") }
        #expect(throws: TraceServerError.self) { try PostgresURL("postgres://h/db") }
        #expect(throws: TraceServerError.self) { try PostgresURL("postgres://u@h/db?sslmode=maybe") }
        let e = TraceServerError.invalidPostgresURL("postgres://u:secret@h/db", reason: "x")
        #expect(!e.description.contains("secret"))
    }

    @Test func faultPlanFile() throws {
        let dir = temporaryDirectory("ts-plan")
        let file = dir.appendingPathComponent("plan.json")
        try Data(#"{"path":"/epcis/capture","steps":[{"action":"status","status":500,"times":2},{"action":"malformed"}]}"#.utf8).write(to: file)
        let plan = try FaultPlan.load(file.path)
        #expect(plan.steps.count == 2)
        let m = FaultInjectionMiddleware<BasicRequestContext>(plan: plan)
        #expect(m.nextStep()?.status == 500)
        #expect(m.nextStep()?.status == 500)
        #expect(m.nextStep()?.action == .malformed)
        #expect(m.nextStep() == nil)
        try Data(#"{"path":"/x","steps":[{"action":"status"}]}"#.utf8).write(to: file)
        #expect(throws: TraceServerError.self) { try FaultPlan.load(file.path) }
    }
}
