import ArgumentParser
import EPCIS
import Foundation
import Devices
import Station
import Trace

struct EventsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "events", abstract: "The station's EPCIS 2.0 event log.",
                                                    subcommands: [List.self, Export.self, Verify.self])

    struct Filter: ParsableArguments {
        @Option(help: "Only events at or after this time (ISO 8601, e.g. 2025-03-14T00:00:00+07:00).") var from: String?
        @Option(help: "Only events before this time.") var to: String?
        @Option(help: "Only this business step (commissioning, shipping, ...).") var bizStep: String?
        @Option(help: "Only events about this lot.") var lot: String?
        @Option(help: "Only events about this EPC (e.g. https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4).") var epc: String?
        @Option(help: "At most this many events.") var limit = 1_000_000

        func fetch(_ trace: TraceServices) throws -> [StoredEvent] {
            if let epc { return try trace.ledger.events.events(identifier: epc) }
            return try trace.ledger.events.events(from: from, to: to, bizStep: bizStep, lot: lot, limit: limit)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One line per event: sequence, time, type, step, identifiers.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var filter: Filter
        func run() throws {
            let trace = try openTrace(options)
            let events = try reporting { try filter.fetch(trace) }
            for e in events {
                let ids = (try? e.decoded().identifiers.joined(separator: " ")) ?? "?"
                print("#\(e.seq)  \(e.eventTime)  \(e.eventType)  \(e.bizStep ?? "-")  \(ids)")
            }
            if events.isEmpty { print("no events") }
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the events as one EPCIS 2.0 JSON-LD document.")
        @OptionGroup var options: GlobalOptions
        @OptionGroup var filter: Filter
        @Option(help: "Output file (default: standard output).") var out: String?
        @Flag(help: "Indent the JSON.") var pretty = false
        func run() throws {
            let trace = try openTrace(options)
            let data = try reporting { try EventStore.document(try filter.fetch(trace)).jsonData(formatting: pretty ? .prettyPrinted : .compact) }
            if let out {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
                FileHandle.standardError.write(Data("wrote \(out)\n".utf8))
            } else {
                FileHandle.standardOutput.write(data)
                print()
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Re-check every event's hash and the chain; exit 1 if anything was tampered with.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let result = try reporting { try openTrace(options).ledger.events.verifyChain() }
            print(result)
            if !result.isIntact { throw ExitCode(1) }
        }
    }
}

struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "keys", abstract: "Stamp authenticity keys (the key ring in <data>/keys, mode 0600).",
                                                    subcommands: [Show.self, Rotate.self, Revoke.self, Export.self, Import.self])

    static func ringURL(_ options: GlobalOptions) throws -> URL {
        try options.load().dataDirectory.appendingPathComponent("keys/keyring.json")
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List tag keys and their status (never the secrets).")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let trace = try openTrace(options)
            for k in trace.keys.tagKeys { print("\(k.id)  \(k.status.rawValue)  created \(k.created)") }
        }
    }

    struct Rotate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Start tagging new stamps with a new key; the old one still verifies old stamps.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let url = try ringURL(options)
            _ = try openTrace(options)
            var ring = try reporting { try StampKeyRing.read(from: url) }
            let k = try reporting { try ring.rotate() }
            try reporting { try ring.write(to: url) }
            print("new active tag key \(k.id); restart the daemon to use it")
        }
    }

    struct Revoke: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Mark a key compromised: its stamps verify as suspicious.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Key id (one character).") var id: String
        func run() throws {
            let url = try ringURL(options)
            _ = try openTrace(options)
            var ring = try reporting { try StampKeyRing.read(from: url) }
            guard id.count == 1 else { throw ValidationError("a key id is one character") }
            try reporting { try ring.revoke(id.first!) }
            try reporting { try ring.write(to: url) }
            print("key \(id) revoked")
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Copy the key ring to a file (mode 0600) for the trace-server or another station of the province.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Destination file.") var out: String
        func run() throws {
            let trace = try openTrace(options)
            try reporting { try trace.keys.write(to: URL(fileURLWithPath: out)) }
            print("key ring written to \(out) (mode 0600); move it only over a trusted channel")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace this station's key ring with the province's (before the first stamp is issued).")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "Key ring file.") var file: String
        @Flag(help: "Replace even though stamps were already issued with the current ring.") var force = false
        func run() throws {
            let trace = try openTrace(options)
            let ring = try reporting { try StampKeyRing.read(from: URL(fileURLWithPath: file)) }
            let issued = try trace.store.pool.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM reservations") ?? 0 }
            if issued > 0 && !force {
                FileHandle.standardError.write(Data("station: \(issued) reservation(s) were made with the current key ring; their serials would stop matching. Use --force only if the new ring contains the same serial secret.\n".utf8))
                throw ExitCode(1)
            }
            try reporting { try ring.write(to: trace.keyFile) }
            print("key ring imported: \(ring)")
        }
    }
}

struct StampCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stamp", abstract: "One stamp: check, void, reprint.",
                                                    subcommands: [Check.self, Void_.self, Reprint.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Verify a scanned code (Digital Link or element string) against this station's data.")
        @OptionGroup var options: GlobalOptions
        @Argument(help: "The code text.") var code: String
        @Flag(help: "JSON output.") var json = false
        func run() throws {
            let v = try openTrace(options).verifier.verify(code)
            if json { return try printJSON(v) }
            print("\(v.kind.rawValue.uppercased()): \(v.message)\n  \(v.reason)")
            if let p = v.productName { print("  \(p) — \(v.producer ?? ""), lô \(v.lot ?? "?"), HSD \(v.expiry ?? "?"), kiểm tra \(v.scanCount) lần") }
            if v.kind != .genuine { throw ExitCode(2) }
        }
    }

    struct Void_: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "void", abstract: "Void a stamp with a reason (decommissioning event).")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Product GTIN.") var product: String
        @Option(help: "Serial.") var serial: String
        @Option(help: "Why (goes into the event).") var reason: String
        @Option(help: "Operator id.") var operatorID: String?
        func run() throws {
            let trace = try openTrace(options)
            let e = try reporting { try trace.ledger.void(nil, gtin: try trace.catalog.product(gtin: product).gtin, serial: serial, reason: reason, operatorID: operatorID) }
            print("voided \(serial): event #\(e.seq) \(e.eventID)")
        }
    }

    struct Reprint: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reprint a printed stamp (same serial, at most twice, with a reason): a reprint event, then the label on the printer.")
        @OptionGroup var options: GlobalOptions
        @Option(help: "Product GTIN.") var product: String
        @Option(help: "Serial.") var serial: String
        @Option(help: "Why (goes into the event).") var reason: String
        @Option(help: "Operator id.") var operatorID: String?
        @Option(help: "Printer name from the configuration (default: the only one).") var printer: String?
        @Flag(help: "Only record the reprint (the label was printed again elsewhere).") var recordOnly = false

        func run() async throws {
            let (config, trace, _, printers) = try jobContext(options)
            let gtin = try reporting { try trace.catalog.product(gtin: product).gtin }
            // The label is made before anything is recorded: a stamp that cannot be drawn is not reprinted.
            var target: (any LabelPrinter, PrintableLabel)?
            if !recordOnly {
                target = try reporting { () throws -> (any LabelPrinter, PrintableLabel) in
                    let p = try PrinterSetup.pick(printers, named: printer)
                    guard let stamp = try trace.ledger.stamp(gtin: gtin, serial: serial) else { throw LedgerError.unknownSerial(gtin: gtin, serial: serial) }
                    let batch = try trace.catalog.batch(id: stamp.batchID)
                    let factory = try LabelFactory.forPrinter(p, config: config, product: try trace.catalog.product(gtin: gtin), batch: batch, tagger: trace.tagger)
                    return (p, try factory.label(serial: serial))
                }
            }
            // The printer's own word first: a reprint that cannot print now is not recorded (it would use up the limit).
            if let (p, _) = target {
                let st = (try? await p.status()) ?? PrinterStatus(condition: .notResponding)
                guard st.canPrint else {
                    FileHandle.standardError.write(Data("station: printer \(p.name) reports \(st.condition.rawValue) (\(st.condition.vietnamese)): nothing recorded; fix the printer and reprint again\n".utf8))
                    throw ExitCode(3)
                }
            }
            let e = try reporting { try trace.ledger.reprint(gtin: gtin, serial: serial, reason: reason, operatorID: operatorID) }
            print("reprint of \(serial) recorded: event #\(e.seq) \(e.eventID)")
            guard let (p, label) = target else { return }
            do {
                let receipt = try await p.send(label)
                print("printed on \(p.name)\(receipt.file.map { ": \($0)" } ?? "")")
            } catch {
                FileHandle.standardError.write(Data("station: the reprint is recorded but printer \(p.name) failed: \(error); fix the printer and reprint again (each reprint counts against the stamp's limit of two)\n".utf8))
                throw ExitCode(3)
            }
        }
    }
}
