import ArgumentParser
import Foundation
import Station

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check and explain the configuration.",
        subcommands: [Check.self, Show.self, Keys.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the configuration; exit 78 and name the problem if it is wrong.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let c = try options.load()
            print("configuration OK: station \(c.stationID), \(c.printers.count) printer(s), \(c.scanners.count) scanner(s)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every effective value and where it came from.")
        @OptionGroup var options: GlobalOptions
        func run() throws {
            let c = try options.load()
            for key in c.resolved.values.keys.sorted() {
                print("\(key) = \(c.resolved.values[key]!)    # \(c.resolved.sources[key]!)")
            }
        }
    }

    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the known keys, their defaults and environment variables.")
        func run() {
            for f in StationConfigSchema.fields {
                print("\(f.key)  [\(f.environmentName)]  default: \(f.defaultValue.map { "\($0)" } ?? "(required)")\n    \(f.help)")
            }
        }
    }
}
