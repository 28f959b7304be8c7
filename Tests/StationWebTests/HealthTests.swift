import Foundation
import Hummingbird
import HummingbirdTesting
import Station
import Testing
@testable import StationWeb

/// `/health` says whether the station is usable, and why not, from the printers' true status.
@Suite struct HealthTests {
    struct Health: Decodable {
        struct Printer: Decodable { let name: String; let condition: String }
        let status: String
        let reasons: [String]
        let storeWritable: Bool
        let diskFreeBytes: Int64?
        let printers: [Printer]
    }

    @Test func printerOutOfPaperMakesTheStationUnusableUntilItIsFixed() async throws {
        let h = try WebHarness.make()
        let staged = h.dataDirectory.appendingPathComponent("labels/paper_out")
        try await h.run { client in
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                let health = try JSONDecoder().decode(Health.self, from: Data(buffer: r.body))
                #expect(health.status == "ok")
                #expect(health.reasons.isEmpty)
                #expect(health.storeWritable)
                #expect((health.diskFreeBytes ?? 0) > 0)
                #expect(health.printers.map(\.condition) == ["ready"])
            }
            // The virtual printer reports paper out while this file exists.
            try FileManager.default.createDirectory(at: staged.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data().write(to: staged)
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                let health = try JSONDecoder().decode(Health.self, from: Data(buffer: r.body))
                #expect(health.status == "fail")
                #expect(health.printers.map(\.condition) == ["paper_out"])
                #expect(health.reasons.contains { $0.contains("Hết giấy") }, "\(health.reasons)")
                #expect(health.reasons.contains { $0.contains("không máy in nào sẵn sàng") }, "\(health.reasons)")
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.contains(#"station_printer_condition{station="BK-NARI-01",printer="line1",condition="paper_out"} 1"#), "\(text)")
                #expect(text.contains(#"station_printer_condition{station="BK-NARI-01",printer="line1",condition="ready"} 0"#))
            }
            try FileManager.default.removeItem(at: staged)
            try await client.execute(uri: "/health", method: .get) { r in #expect(r.status == .ok) }
        }
    }
}
