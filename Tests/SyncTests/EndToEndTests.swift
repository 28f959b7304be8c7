import Foundation
import Sync
import Testing
@testable import TraceServer

/// Real `station` and `trace-server` processes on loopback, with crashes (`kill -9`) and faulty
/// answers. After each scenario the server must hold exactly the station's events, once each.
@Suite("End to end", .serialized, .enabled(if: Binaries.available, Comment(rawValue: Binaries.missing)))
struct EndToEndTests {
    static let fastRetry = ["--initial-backoff", "0.1", "--max-backoff", "0.5", "--idle", "0.1"]

    func expectExactlyOnce(_ server: ServerProcess, _ station: StationCLI, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let stored = try await server.storedEventIDs(station: station.stationID)
        let local = try station.eventIDs()
        #expect(stored.count == local.count, "server holds \(stored.count) rows for \(local.count) station events", sourceLocation: sourceLocation)
        #expect(Set(stored).count == stored.count, "an event is stored twice", sourceLocation: sourceLocation)
        let missing = Set(local).subtracting(stored), extra = Set(stored).subtracting(local)
        #expect(missing.isEmpty && extra.isEmpty,
                "\(missing.count) station events missing on the server (e.g. \(Array(missing.prefix(2)))), \(extra.count) unknown there",
                sourceLocation: sourceLocation)
    }

    func waitForEmptyBacklog(_ station: StationCLI, timeout: TimeInterval = 90) async throws -> Bool {
        let outbox = try station.outbox()
        return try await Proc.eventually(timeout: timeout) { try outbox.status().backlog == 0 }
    }

    func serverDownThenUp(_ kind: StorageKind) async throws {
        let server = try await ServerProcess(kind)
        let token = try await server.addStation("E2E-01")
        try await server.start()
        let port = server.port
        #expect(await server.stop() == 0, "trace-server stops cleanly on SIGTERM")

        let station = StationCLI(serverURL: "http://127.0.0.1:\(port)")
        station.writeToken(token)
        try await station.printStamps(1500)
        // A short request timeout: the HTTP client keeps retrying a refused connection until then.
        let sync = try station.start(["sync", "run", "--timeout", "2"] + Self.fastRetry)
        let outbox = try station.outbox()
        #expect(try await Proc.eventually(timeout: 20) { try outbox.status().lastError?.contains("could not be reached") == true },
                "the outage is recorded: \(sync.output)")
        #expect(try outbox.status().backlog == 1500)

        try await server.start(port: port)
        #expect(try await waitForEmptyBacklog(station), "sync caught up after the server came back: \(sync.output)")
        sync.signal(SIGTERM)
        #expect(await sync.wait(timeout: 20) == 0, "station sync run stops cleanly on SIGTERM: \(sync.output)")
        try await expectExactlyOnce(server, station)

        let (status, text) = try await station.run(["sync", "status"])
        #expect(status == 0)
        #expect(text.contains("backlog:       0 event(s)"))
        #expect(text.contains("http://127.0.0.1:\(port)"))
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }

    @Test func serverDownForAWhileThenUpSQLite() async throws { try await serverDownThenUp(.sqlite) }

    @Test(.enabled(if: StorageKind.postgresURL != nil, Comment(rawValue: StorageKind.postgresMissing)))
    func serverDownForAWhileThenUpPostgres() async throws { try await serverDownThenUp(.postgres) }

    /// The server commits a batch, then dies before it can answer.
    func serverKilledMidBatch(_ kind: StorageKind) async throws {
        let server = try await ServerProcess(kind)
        let token = try await server.addStation("E2E-01")
        try await server.start(faultPlan: FaultPlan(path: "/epcis/capture", steps: [
            .init(action: .pass, times: 1), .init(action: .storeThenDelay, times: 1, seconds: 30)]))
        let station = StationCLI(serverURL: server.url)
        station.writeToken(token)
        try await station.printStamps(3000)
        let sync = try station.start(["sync", "run", "--batch-size", "500"] + Self.fastRetry)
        let serverProc = try #require(server.proc)
        #expect(await Proc.eventually(timeout: 30) { serverProc.output.contains("storeThenDelay") }, "\(serverProc.output)")
        let outbox = try station.outbox()
        // The second batch is committed on the server but unanswered.
        #expect(try await Proc.eventually(timeout: 10) { try await server.storedEventIDs(station: station.stationID).count == 1000 })
        serverProc.kill9()
        // The first batch was confirmed; the station records that once its request fails.
        #expect(try await Proc.eventually(timeout: 10) { try outbox.status().cursor == 500 })

        try await server.start(port: server.port)
        #expect(try await waitForEmptyBacklog(station), "\(sync.output)")
        sync.signal(SIGTERM)
        #expect(await sync.wait(timeout: 20) == 0)
        try await expectExactlyOnce(server, station)
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }

    @Test func serverKilledMidBatchSQLite() async throws { try await serverKilledMidBatch(.sqlite) }

    @Test(.enabled(if: StorageKind.postgresURL != nil, Comment(rawValue: StorageKind.postgresMissing)))
    func serverKilledMidBatchPostgres() async throws { try await serverKilledMidBatch(.postgres) }

    /// The station dies while the server is answering: on restart it resends, the server says
    /// "duplicate", and nothing is stored twice.
    @Test func stationSyncKilledMidBatch() async throws {
        let server = try await ServerProcess(.sqlite)
        let token = try await server.addStation("E2E-01")
        // Long enough to kill the station while it waits, short enough for a graceful stop later
        // (the server finishes requests in flight before it exits).
        try await server.start(faultPlan: FaultPlan(path: "/epcis/capture", steps: [.init(action: .storeThenDelay, times: 1, seconds: 8)]))
        let station = StationCLI(serverURL: server.url)
        station.writeToken(token)
        try await station.printStamps(2500)
        let once = try station.start(["sync", "now", "--batch-size", "1000"])
        let serverProc = try #require(server.proc)
        #expect(await Proc.eventually(timeout: 30) { serverProc.output.contains("storeThenDelay") })
        #expect(try await Proc.eventually(timeout: 10) { try await server.storedEventIDs(station: station.stationID).count == 1000 })
        once.kill9()
        #expect(try station.outbox().status().cursor == 0)

        let (status, out) = try await station.run(["sync", "now", "--batch-size", "1000"])
        #expect(status == 0, "\(out)")
        #expect(out.contains("confirmed 2500 event(s); backlog 0"))
        try await expectExactlyOnce(server, station)
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }

    /// HTTP 500, 429 with Retry-After, a malformed answer, a lost answer after the commit, a
    /// timeout, another malformed answer after the commit: sync rides all of them out.
    @Test func slowAndFailingResponses() async throws {
        let server = try await ServerProcess(.sqlite)
        let token = try await server.addStation("E2E-01")
        try await server.start(faultPlan: FaultPlan(path: "/epcis/capture", steps: [
            .init(action: .pass, times: 1),
            .init(action: .status, times: 2, status: 500),
            .init(action: .status, times: 1, status: 429, retryAfter: 1),
            .init(action: .malformed, times: 1),
            .init(action: .storeThenFail, times: 1, status: 503),
            .init(action: .delay, times: 1, seconds: 3),
            .init(action: .storeThenMalformed, times: 1),
        ]))
        let station = StationCLI(serverURL: server.url)
        station.writeToken(token)
        try await station.printStamps(2000)
        let sync = try station.start(["sync", "run", "--batch-size", "300", "--timeout", "1"] + Self.fastRetry)
        #expect(try await waitForEmptyBacklog(station), "\(sync.output)")
        sync.signal(SIGINT)
        #expect(await sync.wait(timeout: 20) == 0)
        #expect(try station.outbox().status().lastError != nil)
        try await expectExactlyOnce(server, station)
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }

    /// The daemon (`station run`) syncs on its own: it rides out an outage, catches up when the
    /// server is back, and keeps sending what is recorded while it runs.
    @Test func daemonSyncsInTheBackground() async throws {
        let server = try await ServerProcess(.sqlite)
        let token = try await server.addStation("E2E-01")
        try await server.start()
        let port = server.port
        #expect(await server.stop() == 0)

        let station = StationCLI(serverURL: "http://127.0.0.1:\(port)")
        station.writeToken(token)
        try await station.printStamps(600)
        let daemon = try station.start(["run", "--port", "0", "--set", "server.max_backoff=1", "--set", "server.timeout=2"])
        let outbox = try station.outbox()
        #expect(try await Proc.eventually(timeout: 30) { try outbox.status().lastError?.contains("could not be reached") == true },
                "the daemon records the outage: \(daemon.output)")
        #expect(try outbox.status().backlog == 600)

        try await server.start(port: port)
        #expect(try await waitForEmptyBacklog(station, timeout: 60), "the daemon caught up: \(daemon.output)")
        // Stamps recorded while the daemon runs follow without anyone asking.
        let (status, out) = try await station.run(["serials", "reserve", "--batch", "E2E1", "--count", "150", "--commission"])
        #expect(status == 0, "\(out)")
        #expect(try await waitForEmptyBacklog(station, timeout: 60), "\(daemon.output)")
        daemon.signal(SIGTERM)
        #expect(await daemon.wait(timeout: 30) == 0, "station run stops cleanly on SIGTERM: \(daemon.output)")
        try await expectExactlyOnce(server, station)
        #expect(try station.eventIDs().count == 750)
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }

    /// A station holding another station's token cannot write its events under that name.
    @Test func anotherStationsTokenIsRefused() async throws {
        let server = try await ServerProcess(.sqlite)
        _ = try await server.addStation("E2E-01")
        let other = try await server.addStation("OTHER-02")
        try await server.start()
        let station = StationCLI(serverURL: server.url)
        station.writeToken(other)
        try await station.printStamps(20)
        let (status, out) = try await station.run(["sync", "now"])
        #expect(status == 1)
        #expect(out.contains("refused") && out.contains("event 0"), "\(out)")
        #expect(try station.outbox().status().backlog == 20)
        #expect(try await server.storedEventIDs(station: "E2E-01").isEmpty)
        #expect(try await server.storedEventIDs(station: "OTHER-02").isEmpty)
        #expect(await server.stop() == 0)
        await server.cleanUp()
    }
}
