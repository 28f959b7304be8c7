import AsyncHTTPClient
import Foundation
import Synchronization
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
    /// Longest time, in seconds, a confirmed position stays only in memory during a pass.
    public var cursorWriteInterval: Double = 0.5

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

/// A batch size that adapts to what the link and the server manage: shared by the passes of one engine.
final class AdaptiveBatchSize: Sendable {
    let limit: Int
    private let value: Mutex<Int>

    init(limit: Int) {
        self.limit = max(1, limit)
        value = Mutex(self.limit)
    }

    var current: Int { value.withLock { $0 } }

    /// Halves the size below a batch of `n` that failed; returns the new size.
    func shrink(from n: Int) -> Int { value.withLock { $0 = max(1, min($0, n) / 2); return $0 } }

    /// Doubles the size after a confirmed batch, up to the configured limit.
    func grow() { value.withLock { $0 = min(limit, $0 * 2) } }
}

/// One pass over the outbox: sends batches in order until the backlog is empty or something fails.
public struct SyncEngine: Sendable {
    public let outbox: SyncOutbox
    public let client: SyncClient
    public let configuration: SyncConfiguration
    let logger: Logger
    /// The batch size now in use, shared by every pass of this engine: halved when a batch times out
    /// or is too large, doubled back towards ``SyncConfiguration/batchSize`` after each confirmed one.
    let batchSize: AdaptiveBatchSize

    public init(outbox: SyncOutbox, configuration: SyncConfiguration, http: HTTPClient = .shared, logger: Logger) throws {
        guard !configuration.serverURL.isEmpty else { throw SyncError.notConfigured }
        self.outbox = outbox
        self.configuration = configuration
        self.client = try SyncClient(serverURL: configuration.serverURL, requestTimeout: configuration.requestTimeout, http: http)
        self.logger = logger
        self.batchSize = AdaptiveBatchSize(limit: configuration.batchSize)
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
    ///
    /// The confirmed position is written to the station database at most every
    /// ``SyncConfiguration/cursorWriteInterval`` and always before the pass returns. A confirmation
    /// lost to a crash in between only makes the next pass resend events the server then reports
    /// as duplicates, so this saves a disk flush per batch without risking a lost event.
    public func pass() async -> Pass {
        var confirmed = 0
        var position: Int64 = 0
        var written: Int64 = 0
        var lastWrite = ContinuousClock.now
        func writeCursor() throws {
            guard position > written else { return }
            try outbox.acknowledge(through: position)
            written = position
            lastWrite = .now
        }
        do {
            let token = try SyncClient.readToken(path: configuration.tokenFile)
            position = try outbox.cursor()
            written = position
            var attempted = false
            while !Task.isCancelled {
                let batch = try outbox.pending(after: position, limit: batchSize.current)
                guard let first = batch.first else { break }
                if !attempted { try outbox.recordAttempt(); attempted = true }
                let result: (confirmed: Int, stop: SyncError?)
                do {
                    result = try await send(batch, token: token)
                } catch SyncError.tooLarge(let n) where n > 1 {
                    let smaller = batchSize.shrink(from: n)
                    logger.notice("the server refused a batch as too large; sending smaller batches", metadata: ["batch": "\(smaller)"])
                    continue
                } catch SyncError.timedOut(let n) {
                    // The server may still be working on it: back off (the caller waits), then send less.
                    let smaller = batchSize.shrink(from: n)
                    logger.notice("no answer to a batch in time; the next batches are smaller", metadata: ["batch": "\(smaller)"])
                    throw SyncError.timedOut(batch: n)
                }
                if result.stop == nil { batchSize.grow() }
                if result.confirmed > 0 {
                    confirmed += result.confirmed
                    position = batch[result.confirmed - 1].seq
                }
                if let stop = result.stop { throw stop }
                if ContinuousClock.now - lastWrite >= .milliseconds(Int(configuration.cursorWriteInterval * 1000)) { try writeCursor() }
                logger.debug("batch confirmed", metadata: ["from": "\(first.seq)", "to": "\(batch.last!.seq)"])
            }
            try writeCursor()
        } catch {
            try? writeCursor()
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

    /// Sends one batch; returns how many events, from the first, the server confirmed, and why it
    /// stopped short if it did.
    func send(_ batch: [StoredEvent], token: String) async throws -> (confirmed: Int, stop: SyncError?) {
        let document = SyncOutbox.document(batch)
        let reply = try await client.capture(document: document, firstSequence: batch[0].seq, eventCount: batch.count, token: token)
        let stored = Set(reply.accepted).union(reply.duplicates)
        var rejectedAt: [Int: String] = [:]
        for r in reply.rejected { if let i = r.index { rejectedAt[i] = r.reason } }
        for (i, e) in batch.enumerated() {
            if let reason = rejectedAt[i] { return (i, .rejected(seq: e.seq, reason: reason)) }
            guard stored.contains(e.eventID) else { return (i, .unconfirmed(seq: e.seq, eventID: e.eventID)) }
        }
        return (batch.count, nil)
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
