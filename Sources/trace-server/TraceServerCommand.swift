import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TraceServer

@main
struct TraceServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace-server",
        abstract: "The provincial traceability server that stations sync their EPCIS events to.")

    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "Port (0 = any free port, written to <data-dir>/server.port).") var port = 8090
    @Option(help: "Data directory.") var dataDir = "./var-server"

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let logger = Logger(label: "trace-server")
        let app = try TraceServerApp.make(host: host, port: port, dataDirectory: URL(fileURLWithPath: dataDir), logger: logger)
        let group = ServiceGroup(configuration: .init(services: [.init(service: app)],
                                                      gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.info("trace-server stopped cleanly")
    }
}
