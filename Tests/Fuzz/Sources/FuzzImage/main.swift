import Barcodes

/// The photo path an inspector's upload takes (in the daemon it runs in the isolated
/// `station-decode` child): file signature, PNG or JPEG decode, EXIF, the decode passes.
/// Small limits keep each run short; a file over them must be refused, not decoded.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limits = PhotoDecodeLimits(maxFileBytes: 1 << 20, maxPixels: 1 << 20, maxSourcePixels: 4 << 20, timeBudget: 0.05)
    if let result = try? PhotoDecoder(limits: limits).decode(bytes) {
        precondition(result.diagnostics.decodedWidth * result.diagnostics.decodedHeight <= limits.maxPixels,
                     "decoded \(result.diagnostics.decodedWidth)×\(result.diagnostics.decodedHeight) over the pixel limit")
    }
    return 0
}
