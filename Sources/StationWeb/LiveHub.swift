import Devices
import Foundation
import Hummingbird
import NIOCore

/// One server-sent event: a name (`job`, `printer`, `scan`) and its JSON data.
public struct LiveEvent: Sendable, Equatable {
    public let name: String
    public let data: String

    static let ping = LiveEvent(name: "", data: "")

    /// The event in `text/event-stream` framing.
    var wire: String { "event: \(name)\ndata: \(data)\n\n" }
}

/// Fans live updates out to every open `/api/events/stream`. Closing it ends every stream, so
/// the web server can shut down without waiting for browsers to hang up.
public final class LiveHub: @unchecked Sendable {
    private let lock = NSLock()
    private var subscribers: [Int: AsyncStream<LiveEvent>.Continuation] = [:]
    private var nextID = 0
    private var closed = false

    public init() {}

    /// A stream of every event published from now on (it ends when the hub closes), and its
    /// continuation, through which the caller may add its own keep-alive pings.
    func subscribe() -> (AsyncStream<LiveEvent>, AsyncStream<LiveEvent>.Continuation) {
        let (stream, continuation) = AsyncStream<LiveEvent>.makeStream(bufferingPolicy: .bufferingNewest(256))
        lock.lock()
        if closed {
            lock.unlock()
            continuation.finish()
            return (stream, continuation)
        }
        let id = nextID
        nextID += 1
        subscribers[id] = continuation
        lock.unlock()
        continuation.onTermination = { [weak self] _ in self?.remove(id) }
        return (stream, continuation)
    }

    private func remove(_ id: Int) {
        lock.lock(); defer { lock.unlock() }
        subscribers[id] = nil
    }

    public var subscriberCount: Int {
        lock.lock(); defer { lock.unlock() }
        return subscribers.count
    }

    public func publish<T: Encodable>(_ name: String, _ value: T) {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? enc.encode(value) else { return }
        let event = LiveEvent(name: name, data: String(decoding: data, as: UTF8.self))
        lock.lock()
        let targets = Array(subscribers.values)
        lock.unlock()
        for t in targets { t.yield(event) }
    }

    public func close() {
        lock.lock()
        closed = true
        let targets = Array(subscribers.values)
        subscribers.removeAll()
        lock.unlock()
        for t in targets { t.finish() }
    }

    /// The `text/event-stream` response for one subscriber: a comment every `keepAlive` seconds
    /// keeps proxies and browsers from dropping an idle stream; `limit` ends it after that many events.
    func response(limit: Int?, keepAlive: Double = 15) -> Response {
        let (events, continuation) = subscribe()
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        let body = ResponseBody { writer in
            let pinger = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(keepAlive))
                    continuation.yield(LiveEvent.ping)
                }
            }
            defer {
                pinger.cancel()
                continuation.finish()
            }
            try await writer.write(ByteBuffer(string: ": stream open\n\n"))
            var sent = 0
            for await event in events {
                guard event != .ping else {
                    try await writer.write(ByteBuffer(string: ": ping\n\n"))
                    continue
                }
                try await writer.write(ByteBuffer(string: event.wire))
                sent += 1
                if let limit, sent >= limit { break }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}
