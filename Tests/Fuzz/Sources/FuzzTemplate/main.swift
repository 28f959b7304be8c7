import Labels

/// Label templates (TOML): any text is a template or a LabelTemplateError, never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    _ = try? LabelTemplate(toml: text, source: "fuzz.toml")
    return 0
}
