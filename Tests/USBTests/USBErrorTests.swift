import Testing
@testable import USB

/// libusb codes (stable ABI values of `LIBUSB_ERROR_*`) to typed errors and their wording.
@Suite struct USBErrorTests {
    static let context = USBErrorContext(path: "/dev/bus/usb/001/003", vidpid: "0a5f:0100", interface: 0,
                                         endpoint: 0x01, what: "interface 0 of 0a5f:0100")

    @Test(arguments: [
        (Int32(-1), USBError.io),
        (-2, .invalidParameter("interface 0 of 0a5f:0100")),
        (-3, .access(path: "/dev/bus/usb/001/003", vidpid: "0a5f:0100")),
        (-4, .noDevice(vidpid: "0a5f:0100")),
        (-5, .notFound("interface 0 of 0a5f:0100")),
        (-6, .busy(vidpid: "0a5f:0100", interface: 0)),
        (-7, .timeout(transferred: 0)),
        (-8, .overflow),
        (-9, .pipe(endpoint: 0x01)),
        (-12, .notSupported("interface 0 of 0a5f:0100")),
    ])
    func mapsLibusbCodes(code: Int32, expected: USBError) {
        #expect(USBError.from(code: code, Self.context) == expected)
    }

    @Test func unknownCodesKeepLibusbName() {
        #expect(USBError.from(code: -10) == .other(code: -10, name: "LIBUSB_ERROR_INTERRUPTED"))
        #expect(USBError.from(code: -99) == .other(code: -99, name: "LIBUSB_ERROR_OTHER"))
        #expect(USBError.from(code: -99).description == "libusb error LIBUSB_ERROR_OTHER (-99)")
    }

    @Test func accessMessageSaysWhatToDo() {
        let text = USBError.access(path: "/dev/bus/usb/001/003", vidpid: "0a5f:0100").description
        #expect(text.hasPrefix("no permission to open /dev/bus/usb/001/003 (0a5f:0100): "))
        #expect(text.contains("Config/udev/60-station.rules"))
        #expect(text.contains("`udevadm control --reload && udevadm trigger`"))
        #expect(text.contains("group"))
    }

    @Test func busyMessageNamesTheUsualSuspect() {
        let text = USBError.busy(vidpid: "0a5f:0100", interface: 0).description
        #expect(text.contains("interface 0 of 0a5f:0100"))
        #expect(text.contains("claimed by another driver or program (e.g. the kernel usblp module)"))
    }

    @Test func otherMessages() {
        #expect(USBError.timeout(transferred: 0).description == "USB transfer timed out")
        #expect(USBError.timeout(transferred: 8).description.contains("after 8 byte(s)"))
        #expect(USBError.pipe(endpoint: 0x01).description.contains("endpoint 0x01 stalled"))
        #expect(USBError.pipe(endpoint: 0x80).description.contains("rejected the control request"))
        #expect(USBError.noDevice(vidpid: "05e0:1200").description.contains("05e0:1200 is no longer connected"))
        #expect(USBError.notFound("no USB device 0a5f:0100").description == "not found: no USB device 0a5f:0100")
    }

    @Test func hexHelpers() {
        #expect(hex2(0x01) == "0x01" && hex2(0x82) == "0x82")
        #expect(hex4(0x5E0) == "05e0" && hex4(0) == "0000")
    }
}
