import EPCIS
import Foundation
import Testing

/// Hashes freshly generated events with the independent implementation in `shared/oracles`
/// (epcis-event-hash-generator) and compares. Skipped where the oracles are not installed.
@Suite("Live comparison with the independent event hash oracle",
       .enabled(if: OracleLocator.directory != nil, "shared/oracles/epcis-hash not found (set STATION_ORACLES_DIR)"))
struct OracleLiveTests {
    /// Events unlike the pinned vectors: new serials and the current time on every run.
    static func freshEvents() -> [EPCISEvent] {
        var rng = SystemRandomNumberGenerator()
        func serial() -> String {
            let alphabet = Array("ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
            return String((0..<10).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
        }
        let now = Date()
        let items = (0..<4).map { _ in "https://id.gs1.org/01/08938512345017/21/" + serial() }
        let sscc = "https://id.gs1.org/00/08938512" + String(format: "%09d", Int(rng.next() % 1_000_000_000))
        let ssccWithCheck = sscc + String(EPCISCanonicalization.checkDigit(for: sscc.suffix(17))!)
        let station = StationFields(stationID: "ST-LIVE-" + serial().prefix(3), operatorID: "OP-" + serial().prefix(4),
                                    sequence: Int(rng.next() % 100_000))
        let ex = "https://ns.example.vn/epcis/"
        return [
            .object(ObjectEvent(eventTime: now, epcList: items, action: .add, bizStep: .commissioning, disposition: .active,
                                readPoint: "https://id.gs1.org/414/8938512340005/254/LINE01", bizLocation: "https://id.gs1.org/414/8938512340005",
                                station: station)),
            .object(ObjectEvent(eventTime: now.addingTimeInterval(0.25), epcList: [items[0]], action: .add, bizStep: .commissioning,
                                disposition: .active, readPoint: "https://id.gs1.org/414/8938512340005/254/LINE01",
                                ilmd: ILMD(lotNumber: "LIVE" + serial().prefix(4), itemExpirationDate: "2027-12-31"), station: station)),
            .aggregation(AggregationEvent(eventTime: now.addingTimeInterval(1.5), parentID: ssccWithCheck, childEPCs: items, action: .add,
                                          bizStep: .packing, disposition: .inProgress,
                                          readPoint: "https://id.gs1.org/414/8938512340005/254/PACK1", station: station)),
            .object(ObjectEvent(eventTime: now.addingTimeInterval(3600), eventTimeZoneOffset: TimeZoneOffset(rawValue: "-03:30")!,
                                epcList: [ssccWithCheck, "urn:epc:id:sgtin:8938512.034502." + serial()], action: .observe,
                                bizStep: .shipping, disposition: .inTransit,
                                readPoint: "urn:epc:id:sgln:8938512.34001.DOCK" + serial().prefix(2),
                                bizTransactionList: [BizTransaction(type: .despatchAdvice, id: "urn:epcglobal:cbv:bt:8938512340005:" + serial()),
                                                     BizTransaction(type: .purchaseOrder, id: "urn:epcglobal:cbv:bt:8938512340104:" + serial())],
                                station: StationFields(stationID: station.stationID, reason: "Giao hàng cho nhà phân phối"))),
            .object(ObjectEvent(eventTime: now.addingTimeInterval(7200),
                                quantityList: [QuantityElement(epcClass: "urn:epc:class:lgtin:8938512.034501." + serial(), quantity: Double(rng.next() % 1000) / 8, uom: "KGM"),
                                               QuantityElement(epcClass: "https://qr.example.vn/01/8938512345024/10/" + serial() + "?3103=000125", quantity: 3)],
                                action: .observe, bizStep: .destroying, disposition: .destroyed,
                                extensions: [ExtensionField(ExtensionName(namespace: ex, localName: "probe"),
                                                            .object([ExtensionField(ExtensionName(namespace: ex, localName: "tempC"), .number(-18.5)),
                                                                     ExtensionField(ExtensionName(namespace: ex, localName: "id"), .array([.string(serial()), .string(serial())]))]))])),
        ]
    }

    @Test("fresh events hash identically (ILMD modulo the documented cbvmda expansion)", .timeLimit(.minutes(10)))
    func freshEventsAgree() throws {
        let oracle = try #require(OracleLocator.directory).appendingPathComponent("epcis-hash")
        let events = Self.freshEvents()
        // The oracle resolves only the versioned GS1 context offline.
        let document = EPCISDocument(creationDate: Date(), events: events, contextURL: EPCISContext.version2_0_0)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("epcis-oracle-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fresh.json")
        try document.jsonData(formatting: .prettyPrinted).write(to: file)

        let process = Process()
        process.executableURL = oracle
        process.arguments = ["--prehash", file.path]
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let errors = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let documentText = try String(contentsOf: file, encoding: .utf8)
        try #require(process.terminationStatus == 0, "oracle failed: \(errors.utf8String)\n\(documentText)")

        let result = OracleOutput(output.utf8String)
        try #require(result.ids.count == events.count && result.preHashes.count == events.count,
                     "unexpected oracle output:\n\(output.utf8String)\n\(errors.utf8String)")
        for (index, event) in events.enumerated() {
            let ours = event.eventHash()
            let hasILMD = { if case .object(let o) = event { !o.ilmd.isEmpty } else { false } }()
            if hasILMD {
                let asOracle = ours.preHashString.replacingOccurrences(of: "{\(EPCISNamespace.cbvMasterData)}", with: "cbvmda:")
                #expect(asOracle == result.preHashes[index], "event \(index)\n\(documentText)")
                #expect(EventHash(preHashString: result.preHashes[index]).id == result.ids[index])
            } else {
                #expect(ours.preHashString == result.preHashes[index], "event \(index)\n\(documentText)")
                #expect(ours.id == result.ids[index], "event \(index)")
            }
        }
    }
}
