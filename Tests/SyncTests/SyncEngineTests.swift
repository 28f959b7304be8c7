import AsyncHTTPClient
import EPCIS
import Foundation
import GRDB
import ServiceLifecycle
import Testing
import Trace
@testable import Sync
@testable import TraceServer

@Suite("Outbox") struct OutboxTests {
    @Test func cursorIsDurableMonotonicAndCountsTheBacklog() throws {
        let s = try StationData()
        let events = try s.commission(7)
        let outbox = SyncOutbox(store: s.store, events: s.ledger.events)
        #expect(try outbox.cursor() == 0)
        #expect(try outbox.status().backlog == 7)
        try outbox.acknowledge(through: 5)
        try outbox.acknowledge(through: 3)           // a late, older confirmation never moves it back
        #expect(try outbox.cursor() == 5)
        #expect(try outbox.pending(limit: 10).map(\.eventID) == events.suffix(2).map(\.eventID))
        try outbox.recordFailure("boom")
        // A fresh process sees the same state.
        let reopened = SyncOutbox(store: try StationStore(dataDirectory: s.dir), events: s.ledger.events)
        let st = try reopened.status()
        #expect(st.cursor == 5 && st.lastSequence == 7 && st.backlog == 2)
        #expect(st.lastSuccess != nil)
        #expect(st.lastError?.hasSuffix("boom") == true)
    }

    @Test func documentCarriesTheStoredEventsUnchanged() throws {
        let s = try StationData()
        let events = try s.commission(3) + [try s.ledger.void(nil, gtin: StationData.gtin, serial: try s.allocator.reservation(id: 1)!.serial(at: 0), reason: "in mờ")]
        let data = SyncOutbox.document(events)
        let doc = try EPCISDocument(jsonData: data)
        #expect(doc.events.map { $0.eventHash().id } == events.map(\.eventID))
        #expect(doc.events.map(\.eventID) == events.map(\.eventID))
    }

    @Test func tokenFileMustBePrivate() throws {
        let dir = scratchDirectory("sync-token")
        let path = dir.appendingPathComponent("t").path
        _ = FileManager.default.createFile(atPath: path, contents: Data("abc\n".utf8), attributes: [.posixPermissions: 0o644])
        #expect(throws: SyncError.tokenFileTooOpen(path: path, mode: "644")) { try SyncClient.readToken(path: path) }
        chmod(path, 0o600)
        #expect(try SyncClient.readToken(path: path) == "abc")
        #expect(throws: SyncError.self) { try SyncClient.readToken(path: dir.appendingPathComponent("missing").path) }
    }
}

@Suite("Backoff") struct BackoffTests {
    @Test func growsWithJitterUpToTheCap() {
        let b = Backoff(initial: 1, cap: 300)
        #expect(b.delay(failures: 1, random: 0) == 0.5)
        #expect(b.delay(failures: 1, random: 1) == 1)
        #expect(b.delay(failures: 4, random: 1) == 8)
        #expect(b.delay(failures: 30, random: 1) == 300)
        #expect(b.delay(failures: 30, random: 0) == 150)
        for n in 1...40 { #expect((0...300).contains(b.delay(failures: n))) }
        // Retry-After is honoured when longer, within reason.
        #expect(b.delay(failures: 1, retryAfter: 20, random: 0) == 20)
        #expect(b.delay(failures: 1, retryAfter: 86_400, random: 0) == 3600)
    }

    @Test func retryAfterForms() {
        #expect(SyncClient.retryAfter("7") == 7)
        let future = Date().addingTimeInterval(120)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let d = SyncClient.retryAfter(f.string(from: future))
        #expect(d.map { (100...121).contains($0) } == true)
        #expect(SyncClient.retryAfter("soon") == nil)
    }
}

@Suite("Sync against a real server") struct SyncEngineTests {
    func engine(_ s: StationData, server: InProcessServer, token: String, batch: Int = 500, timeout: Int64 = 30) throws -> SyncEngine {
        var c = SyncConfiguration(serverURL: server.url, tokenFile: try s.writeToken(token))
        c.batchSize = batch
        c.requestTimeout = .seconds(timeout)
        c.initialBackoff = 0.05
        c.maxBackoff = 0.3
        c.idleInterval = 0.05
        return try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: c, logger: quietLogger)
    }

    func syncsEverythingOnceAndResumes(_ kind: StorageKind) async throws {
        do {
            let server = try await InProcessServer(kind)
            let storage = server.storage
            let s = try StationData()
            try s.commission(1234)
            let e = try engine(s, server: server, token: try await server.register("BK-NARI-01"))
            let first = await e.pass()
            #expect(first.error == nil)
            #expect(first.confirmed == 1234 && first.backlog == 0)
            try s.commission(10)
            // A new engine (a restarted station) starts from the durable cursor: only the new events go.
            let again = await (try engine(s, server: server, token: try SyncClient.readToken(path: s.dir.appendingPathComponent("server.token").path))).pass()
            #expect(again.confirmed == 10 && again.backlog == 0)
            let stored = try await server.storedEventIDs(station: "BK-NARI-01")
            #expect(stored.count == Set(stored).count)
            #expect(Set(stored) == Set(try s.eventIDs()))
            let me = try await storage.stations().first { $0.id == "BK-NARI-01" }
            #expect(me?.contiguousSequence == 1244)
            await server.stop()
        }
    }

    @Test func syncsEverythingOnceAndResumesSQLite() async throws { try await syncsEverythingOnceAndResumes(.sqlite) }

    @Test(.enabled(if: StorageKind.postgresURL != nil, Comment(rawValue: StorageKind.postgresMissing)))
    func syncsEverythingOnceAndResumesPostgres() async throws { try await syncsEverythingOnceAndResumes(.postgres) }

    @Test func anotherStationsTokenIsRefusedAndNothingMoves() async throws {
        do {
            let server = try await InProcessServer(.sqlite)
            let storage = server.storage
            _ = try await server.register("BK-NARI-01")
            let otherToken = try await server.register("HUE-01")
            let s = try StationData()
            try s.commission(5)
            let pass = await (try engine(s, server: server, token: otherToken)).pass()
            guard case .forbidden(let message)? = pass.error else { Issue.record("expected forbidden, got \(String(describing: pass.error))"); return }
            #expect(message.contains("event 0"))
            let status = try SyncOutbox(store: s.store, events: s.ledger.events).status()
            #expect(status.cursor == 0 && status.backlog == 5)
            #expect(status.lastError?.contains("refused") == true)
            #expect(try await storage.events(EventQuery(limit: 100)).isEmpty)
            await server.stop()
        }
    }

    @Test func unreachableServerIsRecorded() async throws {
        let s = try StationData()
        try s.commission(3)
        var c = SyncConfiguration(serverURL: "http://127.0.0.1:9", tokenFile: try s.writeToken("t"))
        c.requestTimeout = .seconds(2)
        let pass = await (try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: c, logger: quietLogger)).pass()
        #expect(pass.error?.isTransient == true)
        #expect(pass.backlog == 3)
        #expect(try SyncOutbox(store: s.store, events: s.ledger.events).status().lastError?.contains("could not be reached") == true)
        #expect(throws: SyncError.notConfigured) {
            try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: SyncConfiguration(serverURL: "", tokenFile: ""), logger: quietLogger)
        }
    }

    @Test func tooLargeBatchesAreSplit() async throws {
        do {
            let server = try await InProcessServer(.sqlite, maxBodySize: 64 * 1024)
            let s = try StationData()
            try s.commission(400)
            let pass = await (try engine(s, server: server, token: try await server.register("BK-NARI-01"), batch: 400)).pass()
            #expect(pass.error == nil)
            #expect(pass.backlog == 0)
            #expect(Set(try await server.storedEventIDs(station: "BK-NARI-01")) == Set(try s.eventIDs()))
            await server.stop()
        }
    }

    /// Every kind of bad answer in a row; the service keeps going until the server holds every
    /// event exactly once.
    @Test func serviceRidesOutFaults() async throws {
        let plan = FaultPlan(path: "/epcis/capture", steps: [
            .init(action: .pass, times: 1),
            .init(action: .status, times: 2, status: 500),
            .init(action: .status, times: 1, status: 429, retryAfter: 1),
            .init(action: .malformed, times: 1),
            .init(action: .storeThenFail, times: 1, status: 503),
            .init(action: .delay, times: 1, seconds: 2),            // longer than the client waits
            .init(action: .storeThenMalformed, times: 1),
            .init(action: .storeThenDelay, times: 1, seconds: 2),
        ])
        do {
            let server = try await InProcessServer(.sqlite, faultPlan: plan)
            let s = try StationData()
            try s.commission(2000)
            let e = try engine(s, server: server, token: try await server.register("BK-NARI-01"), batch: 200, timeout: 1)
            let service = SyncService(engine: e, logger: quietLogger)
            let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
            let running = Task { try await group.run() }
            let outbox = SyncOutbox(store: s.store, events: s.ledger.events)
            let deadline = Date().addingTimeInterval(60)
            while try outbox.status().backlog > 0 && Date() < deadline { try await Task.sleep(for: .milliseconds(100)) }
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try outbox.status().backlog == 0)
            let stored = try await server.storedEventIDs(station: "BK-NARI-01")
            #expect(stored.count == 2000)
            #expect(Set(stored) == Set(try s.eventIDs()))
            await server.stop()
        }
    }

    /// HTTPS straight from the server (`--tls-cert`/`--tls-key`), with a throw-away self-signed certificate.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "needs /usr/bin/openssl to make a certificate"))
    func syncsOverTLS() async throws {
        let dir = scratchDirectory("sync-tls")
        let (cert, key) = (dir.appendingPathComponent("cert.pem").path, dir.appendingPathComponent("key.pem").path)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        #expect(openssl.terminationStatus == 0)
        let server = try await InProcessServer(.sqlite, tls: (cert, key))
        #expect(server.url.hasPrefix("https://"))
        let s = try StationData()
        try s.commission(50)
        var c = SyncConfiguration(serverURL: server.url, tokenFile: try s.writeToken(try await server.register("BK-NARI-01")))
        c.requestTimeout = .seconds(10)
        // The system's authorities do not vouch for the province's own certificate: refused, nothing moves.
        var quick = c
        quick.requestTimeout = .seconds(3)   // the client retries a failed handshake until then
        let untrusted = await (try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: quick,
                                              http: try ServerHTTP.client(caFile: ""), logger: quietLogger)).pass()
        #expect(untrusted.error != nil && untrusted.backlog == 50, "\(String(describing: untrusted.error))")
        // With that certificate as server.ca_file, the server's identity is checked and sync goes through.
        let pass = await (try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: c,
                                         http: try ServerHTTP.client(caFile: cert), logger: quietLogger)).pass()
        #expect(pass.error == nil && pass.confirmed == 50)
        #expect(throws: SyncError.self) { try ServerHTTP.client(caFile: key + ".missing") }
        // Plain HTTP to the HTTPS port gets nowhere.
        var plain = SyncConfiguration(serverURL: server.url.replacingOccurrences(of: "https://", with: "http://"), tokenFile: c.tokenFile)
        plain.requestTimeout = .seconds(3)
        try s.commission(1)
        let refused = await (try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: plain, logger: quietLogger)).pass()
        #expect(refused.error != nil && refused.backlog == 1)
        await server.stop()
    }

    @Test func serviceStopsPromptlyOnGracefulShutdown() async throws {
        let s = try StationData()
        try s.commission(3)
        var c = SyncConfiguration(serverURL: "http://127.0.0.1:9", tokenFile: try s.writeToken("t"))
        c.initialBackoff = 60
        c.maxBackoff = 60
        let service = SyncService(engine: try SyncEngine(outbox: SyncOutbox(store: s.store, events: s.ledger.events), configuration: c,
                                                         logger: quietLogger), logger: quietLogger)
        let group = ServiceGroup(configuration: .init(services: [service], logger: quietLogger))
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(300))       // now waiting out a 30–60 s backoff
        let started = Date()
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(Date().timeIntervalSince(started) < 5)
    }
}
