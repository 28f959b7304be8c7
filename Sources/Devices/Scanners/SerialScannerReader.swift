import Foundation

/// Reads a serial scanner: an RS-232 scanner behind an adapter or a USB scanner in CDC-ACM
/// ("USB COM port") mode, at a tty path such as `/dev/ttyACM0`.
///
/// The port is opened exclusively in raw mode with the profile's line settings; bytes are cut
/// into scans by the framing (CR, LF or CRLF by default). When the device disappears (hangup,
/// EIO, ENODEV) the reader reports `disconnected` and reopens the path every
/// ``ScannerSettings/reconnectInterval`` until it is back. Use a stable path such as
/// `/dev/serial/by-id/usb-…`: a re-plugged CDC-ACM device may come back as another ttyACM
/// number, while its by-id link follows it.
public final class SerialScannerReader: ScannerReader {
    /// The configured scanner name.
    public let name: String
    /// Scans, rejections and status changes; see ``ScannerReader``.
    public let events: AsyncStream<ScannerEvent>
    /// The tty path being read.
    public let path: String
    private let loop: ReaderLoop

    /// Starts reading `path`; the first event is a status (connected, waiting, permission denied).
    public init(name: String, path: String, settings: ScannerSettings = ScannerSettings()) {
        let (events, continuation) = AsyncStream.makeStream(of: ScannerEvent.self)
        self.name = name
        self.path = path
        self.events = events
        let loop = ReaderLoop(name: name, settings: settings, continuation: continuation)
        self.loop = loop
        continuation.onTermination = { [weak loop] _ in loop?.requestStop() }
        loop.start(threadName: "scanner-\(name)") { loop in
            Self.run(loop, path: path)
        }
    }

    deinit { loop.stop() }

    /// Stops reading and finishes ``events``; see ``ScannerReader/stop()``.
    public func stop() { loop.stop() }

    /// The connection, as the reader thread sees it.
    private enum Connection {
        /// No port open; `everConnected` tells a first wait from a reconnection.
        case absent(everConnected: Bool)
        case open(SerialPort)
    }

    private static func run(_ loop: ReaderLoop, path: String) {
        let settings = loop.settings
        var connection = Connection.absent(everConnected: false)
        var framer = ScanFramer(framing: settings.framing)
        while !loop.isStopping {
            switch connection {
            case let .absent(everConnected):
                do throws(SerialPortError) {
                    let port = try SerialPort(path: path, settings: settings.serial)
                    framer = ScanFramer(framing: settings.framing)
                    connection = .open(port)
                    loop.status(.connected(device: describe(path)))
                } catch {
                    switch error {
                    case .notFound:
                        if !everConnected { loop.status(.waitingForDevice(address: path)) }
                    case .permissionDenied:
                        loop.status(.permissionDenied(path: path, advice: SerialPortError.permissionAdvice))
                    case .busy:
                        loop.status(.busy(detail: error.description))
                    case .notATerminal, .disconnected, .system:
                        loop.status(.unusable(detail: error.description))
                    }
                    _ = loop.pause(settings.reconnectInterval)
                }
            case let .open(port):
                do throws(SerialPortError) {
                    let bytes = try port.read(timeout: settings.pollInterval)
                    loop.deliver(bytes.isEmpty ? framer.advance(to: loop.now) : framer.feed(bytes, at: loop.now))
                } catch {
                    loop.deliver(framer.finish())
                    if case .disconnected = error {
                        loop.status(.disconnected(reason: "\(path) went away"))
                    } else {
                        loop.status(.disconnected(reason: error.description))
                    }
                    connection = .absent(everConnected: true)
                    _ = loop.pause(settings.reconnectInterval)
                }
            }
        }
        if case .open = connection { loop.deliver(framer.finish()) }
    }

    /// `path`, plus the device it currently points to when it is a link (by-id paths).
    static func describe(_ path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        return resolved == path ? path : "\(path) → \(resolved)"
    }
}
