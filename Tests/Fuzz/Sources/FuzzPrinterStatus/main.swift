import Devices

/// Replies to ZPL `~HS` / `~HQES` and ESC/POS `DLE EOT n`: parsing all at once and feeding byte
/// by byte give the same answer.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let reply = Array(bytes.dropFirst())

    let hs = try? ZPLHostStatus.parse(reply)
    let hq = try? ZPLHostQueryStatus.parse(reply)
    _ = (hs, hq)
    for expecting in [ZPLStatusDecoder.Expecting.hostStatus, .hostStatusAndErrors, .errorsOnly] {
        var whole = ZPLStatusDecoder(expecting: expecting)
        let atOnce = Result { () throws(StatusReplyError) in try whole.feed(reply) }
        var single = ZPLStatusDecoder(expecting: expecting)
        var byByte: Result<ZPLStatusReply?, StatusReplyError> = .success(nil)
        for b in reply {
            byByte = Result { () throws(StatusReplyError) in try single.feed(CollectionOfOne(b)) }
            if case .success(nil) = byByte { continue }
            break
        }
        precondition(atOnce == byByte, "\(expecting): all at once \(atOnce), byte by byte \(byByte)")
    }

    let functions = [UInt8]([1, 2, 3, 4].prefix(Int(selector % 4) + 1))
    let report = try? ESCPOSStatusReport.parse(reply, functions: functions)
    var decoder = ESCPOSStatusDecoder(functions: functions)
    var fed: ESCPOSStatusReport?
    for b in reply {
        guard let r = try? decoder.feed(CollectionOfOne(b)) else { continue }
        fed = r
        break
    }
    if let report { precondition(fed == report, "ESC/POS: byte by byte \(String(describing: fed)), all at once \(report)") }
    return 0
}
