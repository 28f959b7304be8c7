import EPCIS
import Foundation
import Trace

extension TraceServices {
    /// This station's identity as stamped into events.
    public static func identity(_ config: StationConfig) -> StationIdentity {
        StationIdentity(stationID: config.stationID, gln: config.gln, readPoint: config.readPoint,
                        offset: TimeZoneOffset(minutes: config.utcOffset.seconds / 60) ?? .vietnam, resolver: config.resolverBase)
    }
}
