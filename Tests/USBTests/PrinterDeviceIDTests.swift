import Testing
import USB

@Suite struct PrinterDeviceIDTests {
    @Test func parsesZebraID() {
        let id = PrinterDeviceID(parsing: "MFG:Zebra Technologies;CMD:ZPL;MDL:ZD420;")
        #expect(id.fields == ["MFG": "Zebra Technologies", "CMD": "ZPL", "MDL": "ZD420"])
        #expect(id.manufacturer == "Zebra Technologies" && id.model == "ZD420" && id.commandSet == ["ZPL"])
        #expect(id["mdl"] == "ZD420")
        #expect(id.description == "MFG:Zebra Technologies;CMD:ZPL;MDL:ZD420;")
    }

    @Test func longKeysWhitespaceAndLists() {
        let id = PrinterDeviceID(parsing: " MANUFACTURER: Brother ; COMMAND SET:PJL, PCL,ESC/P ;MODEL:QL-820NWB;SN:X1;CLS:PRINTER")
        #expect(id.manufacturer == "Brother" && id.model == "QL-820NWB" && id.serialNumber == "X1")
        #expect(id.commandSet == ["PJL", "PCL", "ESC/P"])
        #expect(id["cls"] == "PRINTER")  // last pair without ';'
    }

    @Test func oddInput() {
        #expect(PrinterDeviceID(parsing: "").fields.isEmpty)
        #expect(PrinterDeviceID(parsing: "garbage;;:novalue;K:v:w").fields == ["K": "v:w"])
        // The first occurrence of a key wins.
        #expect(PrinterDeviceID(parsing: "MDL:A;MDL:B;").model == "A")
    }

    @Test func replyWithBigEndianLength() throws {
        let text = Array("MFG:Zebra;CMD:ZPL;MDL:ZD420;".utf8)
        let reply = [UInt8(0), UInt8(text.count + 2)] + text + [0, 0, 0]  // trailing bytes beyond the length
        let id = try PrinterDeviceID(reply: reply)
        #expect(id.raw == "MFG:Zebra;CMD:ZPL;MDL:ZD420;")
    }

    @Test func replyWithLittleEndianOrBogusLength() throws {
        let text = Array("MFG:Godex;CMD:EZPL;".utf8)
        #expect(try PrinterDeviceID(reply: [UInt8(text.count + 2), 0] + text).manufacturer == "Godex")
        #expect(try PrinterDeviceID(reply: [0xFF, 0xFF] + text).commandSet == ["EZPL"])
    }

    @Test func shortReplyThrows() throws {
        #expect(throws: USBError.self) { try PrinterDeviceID(reply: [0x00]) }
        #expect(try PrinterDeviceID(reply: [0x00, 0x02]).fields.isEmpty)
    }
}
