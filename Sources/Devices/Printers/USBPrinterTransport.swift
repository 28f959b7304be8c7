import Foundation
import USB

/// A USB printer-class device driven directly through libusb (module USB): print data goes to
/// the bulk OUT endpoint of the printer interface (class 7), status replies come back on its
/// bulk IN endpoint.
///
/// Opening claims the printer interface and detaches the kernel's usblp driver if it holds it
/// (it is re-attached when the transport closes). Writes go in chunks, each with the
/// transfer timeout, so the count that reached the device is known to the chunk: exactly on a
/// timeout, and to within one chunk when the device stalls or disappears.
public final class USBPrinterTransport: PrinterTransport, @unchecked Sendable {
    public let vendorID: UInt16
    public let productID: UInt16
    /// Picks one of several identical printers.
    public let serialNumber: String?
    /// Bytes per bulk transfer.
    public let chunkSize: Int
    public var endpoint: String {
        "usb:" + USBDeviceInfo.vidpid(vendorID, productID) + (serialNumber.map { "/" + $0 } ?? "")
    }

    private let lock = NSLock()
    private var context: USBContext?
    private var handle: USBDeviceHandle?
    private var interface = 0
    private var outEndpoint: UInt8 = 0
    private var inEndpoint: USBEndpointInfo?
    private var current: TransportState = .closed

    /// A transport for the printer with these IDs. `context` lets several transports share one
    /// libusb session; one is created on first use otherwise.
    public init(vendorID: UInt16, productID: UInt16, serialNumber: String? = nil, context: USBContext? = nil,
                chunkSize: Int = 16_384) {
        precondition(chunkSize > 0, "chunk size must be positive")
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.context = context
        self.chunkSize = chunkSize
    }

    /// A transport for `vvvv:pppp` or `vvvv:pppp/SERIAL` (hex IDs, as `lsusb` prints them).
    public convenience init(address: String, context: USBContext? = nil) throws(TransportError) {
        let (vendorID, productID, serial) = try Self.parseAddress(address)
        self.init(vendorID: vendorID, productID: productID, serialNumber: serial, context: context)
    }

    /// Splits `vvvv:pppp[/serial]`. Pure; used for configuration checks.
    public static func parseAddress(_ text: String) throws(TransportError) -> (vendorID: UInt16, productID: UInt16, serialNumber: String?) {
        let address = text.trimmingCharacters(in: .whitespaces)
        let parts = address.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let ids = parts.first, let (vendorID, productID) = USBDeviceInfo.parseVidpid(String(ids)) else {
            throw .invalidAddress(text, reason: "expected vendor:product in hex, optionally /serial, e.g. 0a5f:0100/D2J123456")
        }
        var serial: String?
        if parts.count == 2 {
            guard !parts[1].isEmpty else { throw .invalidAddress(text, reason: "empty serial number after /") }
            serial = String(parts[1])
        }
        return (vendorID, productID, serial)
    }

    public var state: TransportState {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    /// True unless the printer turned out to have no bulk IN endpoint (a unidirectional printer).
    public var canRead: Bool {
        lock.lock()
        defer { lock.unlock() }
        return handle == nil || inEndpoint != nil
    }

    /// The IEEE 1284 device ID (`MFG:…;CMD:ZPL;…`), which names the printer's command language.
    public func deviceID(timeout: Duration = .seconds(1)) throws(TransportError) -> PrinterDeviceID {
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        do {
            return try handle!.printerDeviceID(interface: interface, timeout: timeout)
        } catch {
            throw map(error, delivered: .none)
        }
    }

    // MARK: Opening

    public func connect(timeout: Duration) throws(TransportError) {
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
    }

    private func openLocked() throws(TransportError) {
        if handle != nil, current == .open { return }
        releaseLocked(reason: nil)
        do {
            let context = try self.context ?? USBContext()
            self.context = context
            let opened = try USBDeviceHandle(context: context, vendorID: vendorID, productID: productID, serialNumber: serialNumber)
            guard let printer = opened.info.interfaces.first(where: { $0.isPrinterClass && $0.alternateSetting == 0 }) else {
                throw TransportError.invalidAddress(endpoint, reason: "the device has no USB printer-class interface (class 7)")
            }
            guard let out = opened.bulkOutEndpoint(interface: printer.number) else {
                throw TransportError.invalidAddress(endpoint, reason: "the printer interface has no bulk OUT endpoint")
            }
            try opened.claimInterface(printer.number, detachKernelDriver: true)
            handle = opened
            interface = printer.number
            outEndpoint = out.address
            inEndpoint = opened.bulkInEndpoint(interface: printer.number)
            current = .open
        } catch let error as TransportError {
            throw error
        } catch {
            throw map(error, delivered: .none)
        }
    }

    private func map(_ error: any Error, delivered: DeliveredBytes) -> TransportError {
        guard let usb = error as? USBError else {
            return .system(endpoint: endpoint, operation: "USB", errno: 0, message: "\(error)", delivered: delivered)
        }
        switch usb {
        case .notFound:
            return .deviceMissing(path: endpoint, reason: "no such USB device is attached (see `station devices`)")
        case let .access(path, _):
            return .permissionDenied(path: path, reason: "libusb: access denied")
        case .busy:
            return .deviceBusy(path: endpoint, holder: "another program (CUPS's usb backend, a second station)")
        case .noDevice:
            return .connectionLost(endpoint: endpoint, delivered: delivered, reason: "the printer was unplugged or switched off")
        default:
            return .usb(endpoint: endpoint, usb, delivered: delivered)
        }
    }

    // MARK: Transfers

    @discardableResult
    public func write(_ bytes: [UInt8], timeout: Duration) throws(TransportError) -> Int {
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        guard let handle else { throw .connectionLost(endpoint: endpoint, delivered: .none, reason: "not open") }
        var sent = 0
        while sent < bytes.count {
            let chunk = Array(bytes[sent..<min(bytes.count, sent + chunkSize)])
            do {
                sent += try handle.bulkWrite(endpoint: outEndpoint, data: chunk, timeout: timeout, chunkSize: chunk.count)
            } catch let error as USBError {
                let uncertain = DeliveredBytes(atLeast: sent, atMost: sent + chunk.count)
                switch error {
                case let .timeout(transferred):
                    throw .writeTimedOut(endpoint: endpoint, delivered: .exactly(sent + transferred), after: timeout)
                case .pipe:
                    // The printer refused the data; clear the halt so the next job and status queries work.
                    try? handle.clearHalt(endpoint: outEndpoint)
                    throw .stalled(endpoint: endpoint, delivered: uncertain)
                default:
                    let mapped = map(error, delivered: uncertain)
                    if case .connectionLost = mapped { releaseLocked(reason: mapped) }
                    throw mapped
                }
            } catch {
                throw map(error, delivered: DeliveredBytes(atLeast: sent, atMost: sent + chunk.count))
            }
        }
        return sent
    }

    public func read(maxLength: Int, timeout: Duration) throws(TransportError) -> [UInt8] {
        precondition(maxLength > 0, "read length must be positive")
        lock.lock()
        defer { lock.unlock() }
        try openLocked()
        guard let handle, let input = inEndpoint else { throw .readUnsupported(endpoint: endpoint) }
        // Ask for whole packets: a shorter request can overflow when the printer sends a full one.
        let packet = max(1, input.maxPacketSize)
        let length = (maxLength + packet - 1) / packet * packet
        do {
            return try handle.bulkRead(endpoint: input.address, maxLength: length, timeout: timeout)
        } catch USBError.timeout {
            throw .readTimedOut(endpoint: endpoint, after: timeout)
        } catch {
            let mapped = map(error, delivered: .none)
            if case .connectionLost = mapped { releaseLocked(reason: mapped) }
            throw mapped
        }
    }

    @discardableResult
    public func discardPendingInput() -> Int {
        lock.lock()
        defer { lock.unlock() }
        guard let handle, let input = inEndpoint, current == .open else { return 0 }
        var dropped = 0
        for _ in 0..<16 {
            guard let bytes = try? handle.bulkRead(endpoint: input.address, maxLength: max(64, input.maxPacketSize),
                                                   timeout: .milliseconds(1)), !bytes.isEmpty else { break }
            dropped += bytes.count
        }
        return dropped
    }

    public func close() {
        lock.lock()
        defer { lock.unlock() }
        releaseLocked(reason: nil)
    }

    /// Releases the interface (re-attaching usblp if it was detached) and closes the handle.
    private func releaseLocked(reason: TransportError?) {
        if let handle { try? handle.releaseInterface(interface) }
        handle = nil
        inEndpoint = nil
        current = reason.map { .broken($0) } ?? .closed
    }
}
