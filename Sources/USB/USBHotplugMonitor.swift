import CLibUSB
import Foundation

/// A device arriving or leaving.
public struct USBHotplugEvent: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        case arrived, left
    }

    public var kind: Kind
    public var vendorID: UInt16
    public var productID: UInt16
    public var bus: UInt8
    public var address: UInt8

    public init(kind: Kind, vendorID: UInt16, productID: UInt16, bus: UInt8, address: UInt8) {
        self.kind = kind
        self.vendorID = vendorID
        self.productID = productID
        self.bus = bus
        self.address = address
    }

    /// `"0a5f:0100"`, as in ``USBDeviceInfo/vidpid``.
    public var vidpid: String { USBDeviceInfo.vidpid(vendorID, productID) }

    public var description: String {
        "\(kind.rawValue) \(vidpid) at \(USBDeviceInfo.devicePath(bus: bus, address: address))"
    }
}

/// Reports scanners and printers being plugged in or pulled out, as an `AsyncStream`.
///
/// Uses libusb hotplug callbacks where the platform has them and otherwise re-enumerates
/// every `interval` and reports the difference. Either way a dedicated thread does the
/// waiting, on a private libusb context so that no other thread's transfers can run the
/// callbacks. The stream finishes after ``stop()``, which `deinit` also calls, or when the
/// consumer stops iterating.
///
/// `@unchecked Sendable`: all stored properties are immutable; the mutable state lives in the
/// runner behind a lock.
public final class USBHotplugMonitor: @unchecked Sendable {
    /// How changes are detected.
    public enum Mode: Sendable, Hashable {
        /// libusb hotplug callbacks if available, else polling once a second.
        case automatic
        /// Re-enumerate every `interval` and diff; for platforms (or containers) without hotplug.
        case polling(interval: Duration)
    }

    /// Arrivals and departures, in order. Finishes when the monitor stops.
    public let events: AsyncStream<USBHotplugEvent>
    /// True when libusb delivers the events, false when they come from polling.
    public let usesNativeHotplug: Bool

    private let runner: HotplugRunner
    private let thread: Thread

    /// Starts watching. `vendorID`/`productID` restrict events to matching devices;
    /// `includeExisting` first reports already attached devices as arrivals.
    public init(vendorID: UInt16? = nil, productID: UInt16? = nil, includeExisting: Bool = false,
                mode: Mode = .automatic) throws {
        let context = try USBContext()
        let (events, continuation) = AsyncStream.makeStream(of: USBHotplugEvent.self)
        let filter = HotplugFilter(vendorID: vendorID, productID: productID)
        var native = false
        var interval: Duration = .seconds(1)
        switch mode {
        case .automatic: native = USBContext.supportsHotplug
        case let .polling(requested): interval = max(requested, .milliseconds(10))
        }
        let runner: HotplugRunner
        do {
            runner = try HotplugRunner(context: context, continuation: continuation, filter: filter,
                                       native: native, includeExisting: includeExisting, interval: interval)
        } catch USBError.notSupported where native {
            // Advertised but unusable (e.g. no udev in a container): poll instead.
            native = false
            runner = try HotplugRunner(context: context, continuation: continuation, filter: filter,
                                       native: false, includeExisting: includeExisting, interval: interval)
        }
        self.events = events
        self.usesNativeHotplug = native
        self.runner = runner
        continuation.onTermination = { [weak runner] _ in runner?.requestStop() }
        thread = Thread { runner.run() }
        thread.name = "usb-hotplug"
        thread.start()
    }

    deinit { stop() }

    /// Stops the event thread, waits for it to exit and finishes ``events``. Idempotent.
    public func stop() {
        runner.requestStop()
        runner.waitUntilFinished()
    }
}

struct HotplugFilter: Sendable {
    var vendorID: UInt16?
    var productID: UInt16?

    func matches(vendorID: UInt16, productID: UInt16) -> Bool {
        (self.vendorID == nil || self.vendorID == vendorID) && (self.productID == nil || self.productID == productID)
    }
}

/// The state shared between the monitor and its thread. The thread retains only this runner,
/// never the monitor, so dropping the monitor runs its `deinit`, which stops the thread.
final class HotplugRunner: @unchecked Sendable {
    private struct DeviceKey: Hashable {
        var bus: UInt8, address: UInt8, vendorID: UInt16, productID: UInt16
    }

    private let context: USBContext
    private let continuation: AsyncStream<USBHotplugEvent>.Continuation
    private let filter: HotplugFilter
    private let native: Bool
    private let interval: Duration
    private let lock = NSLock()
    private var stopping = false
    private var callbackHandle: Int32?
    private var known: Set<DeviceKey> = []
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// Held for the whole join so a second `stop()` returns only once the first is done.
    private let joinLock = NSLock()
    private var joined = false

    init(context: USBContext, continuation: AsyncStream<USBHotplugEvent>.Continuation, filter: HotplugFilter,
         native: Bool, includeExisting: Bool, interval: Duration) throws {
        self.context = context
        self.continuation = continuation
        self.filter = filter
        self.native = native
        self.interval = interval
        if native {
            try register(includeExisting: includeExisting)
        } else {
            known = try snapshot()
            if includeExisting {
                for key in known.sorted(by: { ($0.bus, $0.address) < ($1.bus, $1.address) }) { emit(.arrived, key) }
            }
        }
    }

    // MARK: Native hotplug

    private static let callback: libusb_hotplug_callback_fn = { _, device, event, userData in
        guard let device, let userData else { return 0 }
        let runner = Unmanaged<HotplugRunner>.fromOpaque(userData).takeUnretainedValue()
        var descriptor = libusb_device_descriptor()
        // Still valid for a departed device: libusb keeps the cached descriptor.
        guard libusb_get_device_descriptor(device, &descriptor) == 0 else { return 0 }
        let key = DeviceKey(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
                            vendorID: descriptor.idVendor, productID: descriptor.idProduct)
        runner.emit(event == LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT ? .left : .arrived, key)
        return 0  // stay registered
    }

    private func register(includeExisting: Bool) throws {
        var handle: libusb_hotplug_callback_handle = 0
        let events = Int32(LIBUSB_HOTPLUG_EVENT_DEVICE_ARRIVED.rawValue | LIBUSB_HOTPLUG_EVENT_DEVICE_LEFT.rawValue)
        let flags = includeExisting ? Int32(LIBUSB_HOTPLUG_ENUMERATE.rawValue) : 0
        // Unretained: the runner outlives the registration, which is removed before the
        // runner can be released (stop() deregisters after the event thread has exited).
        let userData = Unmanaged.passUnretained(self).toOpaque()
        let result = context.withContext { ctx in
            libusb_hotplug_register_callback(
                ctx, events, flags,
                filter.vendorID.map(Int32.init) ?? LIBUSB_HOTPLUG_MATCH_ANY,
                filter.productID.map(Int32.init) ?? LIBUSB_HOTPLUG_MATCH_ANY,
                LIBUSB_HOTPLUG_MATCH_ANY, HotplugRunner.callback, userData, &handle)
        }
        guard result == 0 else { throw USBError.from(code: result, USBErrorContext(what: "USB hotplug registration")) }
        callbackHandle = handle
    }

    // MARK: Polling

    private func snapshot() throws -> Set<DeviceKey> {
        let list = try DeviceList(context: context)
        return list.withDevices { devices in
            var keys = Set<DeviceKey>()
            for device in devices {
                var descriptor = libusb_device_descriptor()
                guard libusb_get_device_descriptor(device, &descriptor) == 0,
                      filter.matches(vendorID: descriptor.idVendor, productID: descriptor.idProduct) else { continue }
                keys.insert(DeviceKey(bus: libusb_get_bus_number(device), address: libusb_get_device_address(device),
                                      vendorID: descriptor.idVendor, productID: descriptor.idProduct))
            }
            return keys
        }
    }

    private func poll() {
        guard let current = try? snapshot() else { return }
        let order: (DeviceKey, DeviceKey) -> Bool = { ($0.bus, $0.address) < ($1.bus, $1.address) }
        for key in known.subtracting(current).sorted(by: order) { emit(.left, key) }
        for key in current.subtracting(known).sorted(by: order) { emit(.arrived, key) }
        known = current
    }

    // MARK: Thread

    private func emit(_ kind: USBHotplugEvent.Kind, _ key: DeviceKey) {
        guard filter.matches(vendorID: key.vendorID, productID: key.productID) else { return }
        continuation.yield(USBHotplugEvent(kind: kind, vendorID: key.vendorID, productID: key.productID,
                                           bus: key.bus, address: key.address))
    }

    private var isStopping: Bool {
        lock.lock()
        defer { lock.unlock() }
        return stopping
    }

    /// The event thread's body: runs until `requestStop()`.
    func run() {
        defer { finished.signal() }
        if native {
            var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
            while !isStopping {
                let result = context.withContext { libusb_handle_events_timeout_completed($0, &timeout, nil) }
                if result != 0 && result != LIBUSB_ERROR_INTERRUPTED.rawValue && result != LIBUSB_ERROR_TIMEOUT.rawValue {
                    // A broken event source would otherwise spin; back off like the poller does.
                    _ = wake.wait(timeout: .now() + .milliseconds(100))
                }
            }
        } else {
            let (seconds, attoseconds) = interval.components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            while !isStopping {
                _ = wake.wait(timeout: .now() + .nanoseconds(nanoseconds))
                if !isStopping { poll() }
            }
        }
    }

    /// Asks the thread to exit without waiting; safe from any thread, e.g. stream termination.
    func requestStop() {
        lock.lock()
        let first = !stopping
        stopping = true
        lock.unlock()
        guard first else { return }
        wake.signal()
        if native { context.withContext { libusb_interrupt_event_handler($0) } }
    }

    /// Joins the thread, then deregisters the callback and finishes the stream.
    func waitUntilFinished() {
        joinLock.lock()
        defer { joinLock.unlock() }
        guard !joined else { return }
        joined = true
        finished.wait()
        if let callbackHandle {
            context.withContext { libusb_hotplug_deregister_callback($0, callbackHandle) }
        }
        continuation.finish()
    }
}
