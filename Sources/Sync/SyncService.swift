import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Trace

/// How a station syncs: where to, with what token, how much at a time and how patiently.
public struct SyncConfiguration: Sendable, Equatable {
    public var serverURL: String
    public var tokenFile: String
    /// Events per capture request. Halved (down to 1) when the server answers 413.
    public var batchSize = 500
    public var requestTimeout: TimeAmount = .seconds(30)
    /// First retry delay after a failure; doubled per consecutive failure up to ``maxBackoff``.
    public var initialBackoff: Double = 1
    public var maxBackoff: Double = 300
    /// How often to look for new events when the backlog is empty.
    public var idleInterval: Double = 2

    public init(serverURL: String, tokenFile: String) {
        self.serverURL = serverURL
        self.tokenFile = tokenFile
    }
}

/// Exponential backoff with jitter: after `n` consecutive failures wait a random time in
/// `[d/2, d]` where `d = min(cap, initial · 2ⁿ⁻¹)`, so that stations coming back online together
/// do not hammer the server in lockstep. A server's `Retry-After` is honoured when longer.
public struct Backoff: Sendable, Equatable {
    public var initial: Double
    public var cap: Double

    public init(initial: Double, cap: Double) {
        self.initial = initial
        self.cap = cap
    }

    public func delay(failures: Int, retryAfter: Double? = nil, random: Double = Double.random(in: 0...1)) -> Double {
        let exponent = Double(min(max(failures - 1, 0), 40))
        let d = min(cap, initial * pow(2, exponent))
        let jittered = d / 2 + d / 2 * random
        guard let ra = retryAfter else { return jittered }
        return max(jittered, min(ra, 3600))
    }
}

/// One pass over the outbox: sends batches in order until the backlog is empty or something fails.
public struct SyncEngine: Sendable {
    public let outbox: SyncOutbox
    public let client: SyncClient
    public let configuration: SyncConfiguration
    let logger: Logger

    public init(outbox: SyncOutbox, configuration: SyncConfiguration, http: HTTPClient = .shared, logger: Logger) throws {
        guard !configuration.serverURL.isEmpty else { throw SyncError.notConfigured }
        self.outbox = outbox
        self.configuration = configuration
        self.client = try SyncClient(serverURL: configuration.serverURL, requestTimeout: configuration.requestTimeout, http: http)
        self.logger = logger
    }

    /// What a pass achieved.
    public struct Pass: Sendable, Equatable {
        /// Events the server confirmed during this pass.
        public var confirmed: Int
        /// Set when the pass stopped early.
        public var error: SyncError?
        /// Events still waiting after the pass.
        public var backlog: Int64
    }

    /// Sends everything after the cursor, batch by batch, advancing the cursor only past events
    /// the server confirmed (accepted now or held from before). Never throws: failures are
    /// recorded in the station database and returned.
    public func pass() async -> Pass {
        var confirmed = 0
        var batchSize = max(1, configuration.batchSize)
        do {
            let token = try SyncClient.readToken(path: configuration.tokenFile)
            while !Task.isCancelled {
                let batch = try outbox.pending(limit: batchSize)
                guard let first = batch.first else { break }
                try outbox.recordAttempt()
                do {
                    confirmed += try await send(batch, token: token)
                } catch SyncError.tooLarge(let n) where n > 1 {
                    batchSize = max(1, n / 2)
                    logger.notice("the server refused a batch as too large; sending smaller batches", metadata: ["batch": "\(batchSize)"])
                    continue
                }
                logger.debug("batch confirmed", metadata: ["from": "\(first.seq)", "to": "\(batch.last!.seq)"])
            }
        } catch {
            let e = (error as? SyncError) ?? .transport("\(error)")
            if Task.isCancelled {
                return Pass(confirmed: confirmed, error: .transport("stopped before the server answered"), backlog: (try? outbox.status().backlog) ?? -1)
            }
            try? outbox.recordFailure(e.description)
            logger.warning("sync failed", metadata: ["error": "\(e)"])
            return Pass(confirmed: confirmed, error: e, backlog: (try? outbox.status().backlog) ?? -1)
        }
        return Pass(confirmed: confirmed, error: nil, backlog: (try? outbox.status().backlog) ?? -1)
    }

    /// Sends one batch and moves the cursor past the confirmed prefix; returns how many were confirmed.
    func send(_ batch: [StoredEvent], token: String) async throws -> Int {
        let document = SyncOutbox.document(batch)
        let reply = try await client.capture(document: document, firstSequence: batch[0].seq, eventCount: batch.count, token: token)
        let stored = Set(reply.accepted).union(reply.duplicates)
        var rejectedAt: [Int: String] = [:]
        for r in reply.rejected { if let i = r.index { rejectedAt[i] = r.reason } }
        var confirmedCount = 0
        var stop: SyncError?
        for (i, e) in batch.enumerated() {
            if let reason = rejectedAt[i] { stop = .rejected(seq: e.seq, reason: reason); break }
            guard stored.contains(e.eventID) else { stop = .unconfirmed(seq: e.seq, eventID: e.eventID); break }
            confirmedCount += 1
        }
        if confirmedCount > 0 { try outbox.acknowledge(through: batch[confirmedCount - 1].seq) }
        if let stop { throw stop }
        return confirmedCount
    }
}

/// Keeps the trace-server up to date in the background: a pass whenever there are events, a
/// backoff with jitter after failures, and a clean stop on graceful shutdown (a batch cut short
/// is simply sent again next time; the server de-duplicates it).
public final class SyncService: Service, Sendable {
    public let engine: SyncEngine
    let logger: Logger

    public init(engine: SyncEngine, logger: Logger) {
        self.engine = engine
        self.logger = logger
    }

    public func run() async throws {
        let config = engine.configuration
        let backoff = Backoff(initial: config.initialBackoff, cap: config.maxBackoff)
        var failures = 0
        logger.info("sync started", metadata: ["server": "\(config.serverURL)"])
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let pass = await cancelWhenGracefulShutdown { await self.engine.pass() }
            if Task.isShuttingDownGracefully { break }
            let wait: Double
            if let error = pass.error {
                failures += 1
                var retryAfter: Double?
                if case .serverBusy(_, let ra) = error { retryAfter = ra }
                wait = backoff.delay(failures: failures, retryAfter: retryAfter)
                logger.notice("sync will retry", metadata: ["in-seconds": "\(String(format: "%.1f", wait))", "failures": "\(failures)",
                                                            "backlog": "\(pass.backlog)"])
            } else {
                if failures > 0 { logger.info("sync recovered", metadata: ["backlog": "\(pass.backlog)"]) }
                failures = 0
                wait = config.idleInterval
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
        }
        logger.info("sync stopped", metadata: ["backlog": "\((try? engine.outbox.status().backlog) ?? -1)"])
    }
}
