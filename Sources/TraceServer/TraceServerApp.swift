import Foundation
import GRDB
import Hummingbird
import Logging
import ServiceLifecycle

/// The provincial trace-server: where stations send their events.
public enum TraceServerApp {
    /// Opens the server's store and builds the HTTP application as a service.
    public static func make(host: String, port: Int, dataDirectory: URL, logger: Logger) throws -> some Service {
        try FileManager.default.createDirectory(at: dataDirectory, withIntermediateDirectories: true)
        var config = Configuration()
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        let pool = try DatabasePool(path: dataDirectory.appendingPathComponent("trace-server.sqlite").path, configuration: config)
        try migrator.migrate(pool)
        let started = Date()
        let router = Router()
        router.get("/health") { _, _ -> [String: String] in
            ["status": "ok", "uptimeSeconds": String(Int(Date().timeIntervalSince(started)))]
        }
        let portFile = dataDirectory.appendingPathComponent("server.port")
        return Application(router: router,
                           configuration: .init(address: .hostname(host, port: port), serverName: "trace-server"),
                           onServerRunning: { channel in
                               let p = channel.localAddress?.port ?? port
                               try? Data("\(p)\n".utf8).write(to: portFile, options: .atomic)
                               logger.info("trace-server listening", metadata: ["url": "http://\(host):\(p)/"])
                           },
                           logger: logger)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-stations") { db in
            try db.create(table: "stations") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("gln", .text).notNull()
                t.column("token_hash", .text).notNull()
                t.column("registered_at", .text).notNull()
            }
        }
        return m
    }
}
