import Foundation
import Logging
import ServiceLifecycle

/// Reads scans from standard input, one per line: what a keyboard-wedge scanner types into a
/// terminal, or what a person or a script types. Lines end with LF, CR or CRLF.
public struct StdinScannerService: Service {
    let core: StationCore
    let name: String
    let input: FileHandle
    let logger: Logger

    public init(core: StationCore, name: String, input: FileHandle = .standardInput, logger: Logger) {
        self.core = core
        self.name = name
        self.input = input
        self.logger = logger
    }

    public func run() async throws {
        let lines = LineReader.lines(from: input)
        logger.info("scanner ready: reading scans from standard input", metadata: ["scanner": "\(name)"])
        let (core, name, logger) = (core, name, logger)
        // Cancelled on shutdown: iteration of the stream ends, the blocked reader thread is left to exit with the process.
        try? await cancelWhenGracefulShutdown {
            for await line in lines {
                do {
                    try core.recordScan(line, scanner: name)
                } catch {
                    logger.error("scan could not be recorded: \(error)", metadata: ["scanner": "\(name)"])
                }
            }
            if !Task.isCancelled {
                logger.info("standard input closed; scanner idle until shutdown", metadata: ["scanner": "\(name)"])
                // A daemon with stdin at /dev/null keeps serving: stay alive until shutdown.
                try await gracefulShutdown()
            }
        }
        logger.debug("scanner stopped", metadata: ["scanner": "\(name)"])
    }
}

/// Splits a byte stream into lines on a background thread (stdin reads block).
enum LineReader {
    static let maxLine = 4096

    static func lines(from handle: FileHandle) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            let thread = Thread {
                var current: [UInt8] = []
                var lastWasCR = false
                var overlong = false
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { break }
                    for b in chunk {
                        if b == 0x0A && lastWasCR { lastWasCR = false; continue }
                        lastWasCR = b == 0x0D
                        if b == 0x0A || b == 0x0D {
                            if !current.isEmpty || overlong { continuation.yield(overlong ? [] : current) }
                            current.removeAll(keepingCapacity: true)
                            overlong = false
                        } else if current.count < maxLine {
                            current.append(b)
                        } else {
                            overlong = true   // an endless line is one rejected scan, not unbounded memory
                        }
                    }
                }
                if !current.isEmpty { continuation.yield(current) }
                continuation.finish()
            }
            thread.name = "stdin-scanner"
            thread.start()
        }
    }
}
