import Devices

/// Keyboard-wedge and HID POS reports as a scanner (or something pretending to be one) sends
/// them: the first byte picks layout and framing, the rest is cut into reports. Whatever comes
/// out respects the framing's length limit.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let selector = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    let layout = HIDKeyboardLayout.all[Int(selector & 0x03) % HIDKeyboardLayout.all.count]
    var framing = ScanFraming(maxLength: 256)
    if selector & 0x04 != 0 { framing.gsPlaceholder = "{GS}" }
    if selector & 0x08 != 0 { framing.terminators = [] }
    var keyboard = HIDKeyboardDecoder(configuration: .init(layout: layout, framing: framing, reportID: selector & 0x10 != 0 ? 1 : nil))
    var pos = HIDPOSDecoder(configuration: .init(layout: .common, framing: framing))
    let reportLength = selector & 0x20 != 0 ? 8 : 64
    var out: [DecodedScan] = []
    var t = Duration.zero
    var i = 0
    while i < rest.count {
        let report = Array(rest[i..<min(i + reportLength, rest.count)])
        t += .milliseconds(Int(report[0] & 0x0F) * 60)   // some pauses exceed the inter-character timeout
        out += keyboard.feed(report: report, at: t)
        out += pos.feed(report: report, at: t)
        i += reportLength
    }
    out += keyboard.finish() + pos.finish()
    for case .scan(let data, _) in out { precondition(data.count <= framing.maxLength, "a scan of \(data.count) bytes passed a limit of \(framing.maxLength)") }
    // A descriptor from the device is untrusted too.
    _ = HIDPOSReportLayout.resolve(descriptor: rest)
    return 0
}
