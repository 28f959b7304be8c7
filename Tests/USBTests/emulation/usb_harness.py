#!/usr/bin/python3
"""usb_harness.py - run a program that uses the USB module against emulated devices.

    /usr/bin/python3 usb_harness.py [--scenarios a,b,...] [--list] -- COMMAND [ARGS...]

Sets up, with umockdev (see fakeusb.py), a fake HID boot-keyboard scanner 05e0:1200
(/dev/bus/usb/001/002, port 1-1), a fake Zebra printer 0a5f:0100 (001/003, port 1-2) and a
fake HID POS scanner 05e0:1300 (001/005, port 1-4). Then, once per scenario, it runs COMMAND
under `umockdev-wrapper` with USB_EMULATED=1 and USB_SCENARIO=<name> in the environment,
prepares the devices for that scenario, and checks both what the program printed (lines
`USBCHECK {json}`) and what the devices saw. Prints `ok`/`FAIL`/`skip` lines and
`N passed, M failed`; exits 1 if anything failed. The `access` scenario runs COMMAND as user
nobody (via setpriv) and is skipped unless the harness runs as root.

COMMAND is anything that runs the scenario named by $USB_SCENARIO: the USBTests test binary
filtered to its device-side test (EmulationTests.swift does this), or any executable that
calls EmulatedScenarios.run(). Other programs (e.g. a `station` CLI command) can reuse the
pieces: `bench = usb_harness.Bench()` builds the testbed, `usb_harness.run_target([...], name)`
runs a command under umockdev-wrapper, and `bench.printer.out_data`, `queue_in()`,
`stall_eps`, `plug_second_scanner()` script and inspect the devices.

Needs Debian's /usr/bin/python3 (with `gi`) and umockdev; re-executes itself under
`umockdev-wrapper` (hotplug needs the harness inside the emulation too).
"""
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import time
from collections import deque

HERE = os.path.dirname(os.path.abspath(__file__))

if 'umockdev' not in os.environ.get('LD_PRELOAD', '') and __name__ == '__main__':
    os.execvp('umockdev-wrapper', ['umockdev-wrapper', sys.executable, os.path.abspath(__file__), *sys.argv[1:]])

sys.dont_write_bytecode = True      # keep __pycache__ out of the source tree
sys.path.insert(0, HERE)
import fakeusb  # noqa: E402

# More linux/usbdevice_fs.h request numbers (x86_64 / aarch64).
CLAIMINTERFACE = 0x8004550F
CLEAR_HALT = 0x80045515
EBUSY = 16


# ---------------------------------------------------------------- descriptors
def device_descriptor(vid, pid, mps0=64, bcd_device=0x0100, cls=0, sub=0, proto=0, strings=(1, 2, 3)):
    return struct.pack('<BBHBBBBHHHBBBB', 18, 1, 0x0200, cls, sub, proto, mps0, vid, pid, bcd_device,
                       *strings, 1)


def endpoint(address, kind, max_packet, interval=0):
    attrs = {'bulk': 2, 'interrupt': 3}[kind]
    return struct.pack('<BBBBHB', 7, 5, address, attrs, max_packet, interval)


def hid_descriptor(report_length):
    return struct.pack('<BBHBBBH', 9, 0x21, 0x0111, 0, 1, 0x22, report_length)


def interface(number, cls, sub, proto, endpoints, extra=b''):
    return struct.pack('<BBBBBBBBB', 9, 4, number, 0, len(endpoints), cls, sub, proto, 0) + extra + b''.join(endpoints)


def configuration(interfaces, attrs=0x80, max_power=50):
    body = b''.join(interfaces)
    return struct.pack('<BBHBBBBB', 9, 2, 9 + len(body), len(interfaces), 1, 0, attrs, max_power) + body


def umockdev_text(port, bus, address, descriptors):
    """The smallest umockdev device description libusb accepts (cf. min-*.umockdev)."""
    h = descriptors.hex().upper()
    return (f'P: /devices/pci0000:00/0000:00:14.0/usb{bus}/{bus}-{port}\n'
            f'N: bus/usb/{bus:03}/{address:03}={h}\n'
            'E: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\n'
            f'E: DEVNAME=/dev/bus/usb/{bus:03}/{address:03}\nE: BUSNUM={bus:03}\nE: DEVNUM={address:03}\n'
            f'A: busnum={bus}\\n\nA: devnum={address}\\n\nA: speed=12\\n\nA: bConfigurationValue=1\\n\n'
            f'H: descriptors={h}\n')


# HID 1.11 appendix B.1 boot keyboard report descriptor (63 bytes, usage page 0x01).
KEYBOARD_REPORT = bytes.fromhex(
    '05 01 09 06 A1 01 05 07 19 E0 29 E7 15 00 25 01 75 01 95 08 81 02 95 01 75 08 81 01'
    '95 05 75 01 05 08 19 01 29 05 91 02 95 01 75 03 91 01 95 06 75 08 15 00 25 65 05 07'
    '19 00 29 65 81 00 C0')
# HID POS bar code scanner: usage page 0x8C, usage 0x02, one 64-byte input report.
POS_REPORT = bytes.fromhex('06 8C 00 09 02 A1 01 09 12 A1 02 85 02 15 00 26 FF 00 75 08 95 40 09 8A 81 02 C0 C0')


# ---------------------------------------------------------------- fake devices
class Device(fakeusb.FakeUsbDevice):
    """FakeUsbDevice plus what the USB module's checks need: URB queues per open file
    descriptor, HID report descriptors, CLEAR_HALT that really clears, an OUT endpoint that
    stops accepting after N bytes (partial writes), a claimed-by-someone-else interface
    (busy) and an unplugged state.

    Per-descriptor queues matter: fakeusb.py keeps one URB queue per device, so when a
    process has the same device open twice (e.g. to compare serial numbers) one handle
    reaps the other's URB and the process corrupts its heap. The kernel keeps them apart."""

    report_descriptors = {}

    def __init__(self, testbed, text, devnode):
        self.client_queues = {}      # hash(IoctlClient) -> (submitted, done, discarded)
        super().__init__(testbed, text, devnode)
        self.handler.connect('client-vanished', self._on_vanished)
        self.reset()

    def _on_vanished(self, handler, client):
        with self.lock:
            self.client_queues.pop(hash(client), None)

    def reset(self):
        with self.lock:
            self.client_queues.clear()
            self.in_queues.clear()
            self.out_data.clear()
            self.out_transfers.clear()
            self.control_log.clear()
            self.stall_eps = set()
            self.accept_limit = None     # bytes an OUT endpoint takes before it stops completing
            self.busy = False            # claiming fails with EBUSY, like a bound kernel driver
            self.gone = False            # URBs fail with ENODEV, like an unplugged device

    def control(self, bmRT, bReq, wValue, wIndex, wLength, data):
        if (bmRT, bReq, wValue) == (0x81, 6, 0x2200) and wIndex in self.report_descriptors:
            return self.report_descriptors[wIndex]
        return super().control(bmRT, bReq, wValue, wIndex, wLength, data)

    def _dispatch(self, req, client):
        # Point fakeusb's queues at this descriptor's own (we hold self.lock here).
        self.submitted, self.done, self.discarded = self.client_queues.setdefault(
            hash(client), ([], deque(), deque()))
        arg = client.get_arg()
        if req in (CLAIMINTERFACE, fakeusb.DISCONNECT_CLAIM) and self.busy:
            client.complete(-1, EBUSY)
            return True
        if req == CLEAR_HALT:
            ep = struct.unpack('<I', bytes(arg.resolve(0, 4).retrieve()))[0]
            self.stall_eps.discard(ep)
            client.complete(0, 0)
            return True
        if req == fakeusb.SUBMITURB and (self.gone or self.accept_limit is not None):
            if self.gone:
                client.complete(-1, fakeusb.ENODEV)
                return True
            urb = arg.resolve(0, fakeusb.URB_SIZE)
            raw = bytes(urb.retrieve())
            typ, ep = raw[fakeusb.O_TYPE], raw[fakeusb.O_EP]
            if typ == fakeusb.URB_BULK and not ep & 0x80 and ep not in self.stall_eps \
                    and len(self.out_data[ep]) >= self.accept_limit:
                buflen = struct.unpack_from('<i', raw, fakeusb.O_BUFLEN)[0]
                # Never completed: libusb times out and discards it (DISCARDURB finds it here).
                self.submitted.append({'urb': urb, 'buf': urb.resolve(fakeusb.O_BUF, buflen) if buflen else None,
                                       'type': typ, 'ep': ep, 'len': buflen, 'addr': urb.client_addr})
                client.complete(0, 0)
                return True
        return super()._dispatch(req, client)


class Zebra(Device):
    """Answers ~HS on bulk IN 0x82 and the printer-class GET_DEVICE_ID."""
    device_id = b'MFG:Zebra Technologies;CMD:ZPL;MDL:ZD420;'
    hs_reply = b'\x02030,0,0,1245,000,0,0,0,000,0,0,0\x03\r\n'

    def on_out(self, ep, data):
        if data.endswith(b'~HS'):
            self.queue_in(0x82, self.hs_reply)

    def control(self, bmRT, bReq, wValue, wIndex, wLength, data):
        if (bmRT, bReq) == (0xA1, 0):
            return (len(self.device_id) + 2).to_bytes(2, 'big') + self.device_id
        return super().control(bmRT, bReq, wValue, wIndex, wLength, data)


def scanner_text(port=1, address=2):
    return umockdev_text(port, 1, address, device_descriptor(0x05E0, 0x1200, mps0=8) + configuration(
        [interface(0, 3, 1, 1, [endpoint(0x81, 'interrupt', 8, 10)], hid_descriptor(len(KEYBOARD_REPORT)))],
        attrs=0x80, max_power=50))


def printer_text(port=2, address=3):
    return umockdev_text(port, 1, address, device_descriptor(0x0A5F, 0x0100) + configuration(
        [interface(0, 7, 1, 2, [endpoint(0x01, 'bulk', 64), endpoint(0x82, 'bulk', 64)])], attrs=0xC0, max_power=1))


def pos_scanner_text(port=4, address=5):
    return umockdev_text(port, 1, address, device_descriptor(0x05E0, 0x1300) + configuration(
        [interface(0, 3, 0, 0, [endpoint(0x83, 'interrupt', 64, 1)], hid_descriptor(len(POS_REPORT)))]))


class Bench:
    """The testbed with the three standard devices."""

    def __init__(self):
        self.tb = fakeusb.new_testbed()
        # The testbed exports UMOCKDEV_DIR with C setenv(), which Python's os.environ does not see.
        os.environ['UMOCKDEV_DIR'] = self.tb.get_root_dir()
        self.scanner = Device(self.tb, scanner_text(), '/dev/bus/usb/001/002')
        self.scanner.strings = {1: 'Symbol', 2: 'Fake HID Barcode Scanner', 3: 'SCAN0001'}
        self.scanner.report_descriptors = {0: KEYBOARD_REPORT}
        self.printer = Zebra(self.tb, printer_text(), '/dev/bus/usb/001/003')
        self.printer.strings = {1: 'Zebra Technologies', 2: 'ZTC ZD420-203dpi', 3: 'D2J123456'}
        self.pos = Device(self.tb, pos_scanner_text(), '/dev/bus/usb/001/005')
        self.pos.strings = {1: 'Symbol', 2: 'Fake HID POS Scanner', 3: 'POS0001'}
        self.pos.report_descriptors = {0: POS_REPORT}

    def reset(self):
        for d in (self.scanner, self.printer, self.pos):
            d.reset()

    def plug_second_scanner(self):
        dev = Device(self.tb, scanner_text(port=3, address=4), '/dev/bus/usb/001/004')
        self.tb.uevent(dev.syspath, 'add')
        return dev

    def unplug(self, dev):
        self.tb.uevent(dev.syspath, 'remove')
        self.tb.remove_device(dev.syspath)
        self.tb.detach_ioctl(dev.devnode)     # so the same node can be plugged again


# ---------------------------------------------------------------- running the target
class Run:
    def __init__(self, scenario, stdout, stderr, rc, seconds):
        self.scenario, self.stdout, self.stderr, self.rc, self.seconds = scenario, stdout, stderr, rc, seconds
        self.records = []
        for line in stdout.splitlines():
            if line.startswith('USBCHECK '):
                try:
                    self.records.append(json.loads(line[len('USBCHECK '):]))
                except ValueError:
                    pass

    def find(self, event, **match):
        return [r for r in self.records if r.get('event') == event
                and all(r.get(k) == v for k, v in match.items())]

    def one(self, event, **match):
        found = self.find(event, **match)
        return found[0] if found else {}


UNPRIVILEGED = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']   # nobody:nogroup


def can_drop_privileges(command):
    """Root, setpriv present, and `nobody` can reach and run the target."""
    if os.geteuid() != 0:
        return False
    try:
        return subprocess.run([*UNPRIVILEGED, 'test', '-x', command[0]], timeout=10).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def run_target(command, scenario, during=None, timeout=60, unprivileged=False):
    """Runs COMMAND for one scenario; `during` is called once the target printed its ready line."""
    env = dict(os.environ, USB_EMULATED='1', USB_SCENARIO=scenario)
    start = time.time()
    prefix = UNPRIVILEGED if unprivileged else []
    proc = subprocess.Popen([*prefix, 'umockdev-wrapper', *command], env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines, ready = queue.Queue(), threading.Event()
    err = []

    def pump_out():
        for line in proc.stdout:
            lines.put(line)
            if line.startswith('USBCHECK ') and '"ready"' in line:
                ready.set()

    def pump_err():
        err.append(proc.stderr.read())

    threads = [threading.Thread(target=pump_out, daemon=True), threading.Thread(target=pump_err, daemon=True)]
    for t in threads:
        t.start()
    if during is not None:
        if ready.wait(timeout=30):
            during()
        else:
            print(f'  [{scenario}] target never printed its ready line', flush=True)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    for t in threads:
        t.join(timeout=5)
    out = ''.join(lines.queue)
    return Run(scenario, out, ''.join(err), rc, time.time() - start)


# ---------------------------------------------------------------- scenarios
class Checker:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, cond, what):
        print(('ok   ' if cond else 'FAIL ') + what, flush=True)
        if cond:
            self.passed += 1
        else:
            self.failed += 1
        return cond


def scenario_list(bench, run, c):
    scanner = run.one('device', vidpid='05e0:1200')
    printer = run.one('device', vidpid='0a5f:0100')
    pos = run.one('device', vidpid='05e0:1300')
    c.check(bool(scanner and printer and pos), 'list: scanner, printer and HID POS scanner enumerated')
    c.check(scanner.get('bus') == 1 and scanner.get('address') == 2 and scanner.get('ports') == [1]
            and scanner.get('path') == '/dev/bus/usb/001/002', 'list: bus, address, port path, device node')
    c.check(scanner.get('interfaces') == [{'number': 0, 'alt': 0, 'class': [3, 1, 1], 'hidUsagePage': 1,
                                           'endpoints': ['0x81(in,interrupt,8)']}],
            'list: scanner interface 3/1/1 with interrupt IN 0x81, usage page from report descriptor')
    c.check(printer.get('interfaces') == [{'number': 0, 'alt': 0, 'class': [7, 1, 2], 'hidUsagePage': None,
                                           'endpoints': ['0x01(out,bulk,64)', '0x82(in,bulk,64)']}],
            'list: printer interface 7/1/2 with bulk OUT 0x01 and bulk IN 0x82')
    c.check((scanner.get('manufacturer'), scanner.get('product'), scanner.get('serial'))
            == ('Symbol', 'Fake HID Barcode Scanner', 'SCAN0001')
            and printer.get('serial') == 'D2J123456', 'list: manufacturer/product/serial strings read')
    c.check(scanner.get('bootKeyboard') is True and scanner.get('printer') is False and scanner.get('hidPOS') is False
            and printer.get('printer') is True and printer.get('bootKeyboard') is False,
            'list: isHIDBootKeyboard / isPrinterClass')
    c.check(pos.get('hidPOS') is True and pos.get('hidUsagePage') == 0x8C and pos.get('bootKeyboard') is False,
            'list: HID POS scanner recognised by usage page 0x8C (GET_DESCRIPTOR 0x81/6/0x2200)')
    c.check(all(d.get('accessError') is None for d in (scanner, printer, pos)), 'list: no access errors')
    c.check(any(s[:4] == bytes([0x81, 6, 0x00, 0x22]) for s, _ in bench.pos.control_log),
            'list: report descriptor requested from the device')
    c.check(run.one('count').get('withoutStrings') == 3, 'list: readStrings=false lists the same devices')


def prepare_scan(bench):
    for key in (0x21, 0x24, 0x1E, 0x1E, 0x28):       # "4711\n"
        bench.scanner.queue_in(0x81, bytes([0, 0, key, 0, 0, 0, 0, 0]))
        bench.scanner.queue_in(0x81, bytes(8))


def scenario_scan(bench, run, c):
    r = run.one('scan')
    c.check(r.get('endpoint') == '0x81' and r.get('maxPacket') == 8, 'scan: interrupt IN endpoint discovered')
    c.check(r.get('reports') == 10 and r.get('barcode') == '4711\n', 'scan: 10 interrupt reports decoded to "4711\\n"')
    c.check(r.get('endedWith') == 'timeout' and r.get('timeoutTransferred') == 0,
            'scan: empty queue ends with USBError.timeout(transferred: 0)')


def scenario_print(bench, run, c):
    r = run.one('print')
    zpl = b'^XA^FO50,50^A0N,40,40^FDHello^FS^XZ'
    c.check(r.get('written') == len(zpl) and r.get('out') == '0x01' and r.get('in') == '0x82',
            'print: bulk OUT/IN endpoints discovered, bulkWrite returned byte count')
    c.check(bytes(bench.printer.out_data[0x01]) == zpl + b'~HS', 'print: bulk OUT bytes captured byte-exact')
    sizes = [len(d) for ep, d in bench.printer.out_transfers]
    c.check(sizes == [16, 16, 3, 3], f'print: written in 16-byte chunks ({sizes})')
    c.check(r.get('reply') == Zebra.hs_reply.decode(), 'print: ~HS reply read from bulk IN')
    c.check(r.get('serial') == 'D2J123456', 'print: opened by serial number')
    c.check(run.one('wrongSerial').get('error') == 'notFound', 'print: unknown serial -> USBError.notFound')


def scenario_strings(bench, run, c):
    r = run.one('strings')
    c.check(r.get('strings') == ['Zebra Technologies', 'ZTC ZD420-203dpi', 'D2J123456'],
            'strings: string descriptors 1-3 via control transfers')
    c.check(r.get('deviceID') == {'MFG': 'Zebra Technologies', 'CMD': 'ZPL', 'MDL': 'ZD420'}
            and r.get('commandSet') == ['ZPL'], 'strings: GET_DEVICE_ID parsed into a dictionary')
    c.check(any(s.hex() == 'a100000000000004' for s, _ in bench.printer.control_log),
            'strings: GET_DEVICE_ID sent as a1 00 0000 0000 (wLength 1024)')
    c.check(r.get('missingString') == 'pipe' and r.get('missingEndpoint') == 0,
            'strings: refused control request -> USBError.pipe(endpoint: 0)')
    c.check(r.get('reportUsagePage') == 1 and r.get('reportLength') == 63, 'strings: HID report descriptor read')


def prepare_stall(bench):
    bench.printer.stall_eps.add(0x01)


def scenario_stall(bench, run, c):
    r = run.one('stall')
    c.check(r.get('error') == 'pipe' and r.get('endpoint') == 1, 'stall: stalled bulk OUT -> USBError.pipe(endpoint: 0x01)')
    c.check(r.get('afterClearHalt') == 6 and bytes(bench.printer.out_data[0x01]) == b'^XA^XZ'
            and not bench.printer.stall_eps, 'stall: clearHalt then the write goes through')


def prepare_partial(bench):
    bench.printer.accept_limit = 8


def scenario_partial(bench, run, c):
    r = run.one('partial')
    c.check(r.get('error') == 'timeout' and r.get('transferred') == 8,
            'partial: printer stops after 8 bytes -> USBError.timeout(transferred: 8)')
    c.check(bytes(bench.printer.out_data[0x01]) == b'0123456789ABCDEFGHIJ'[:8], 'partial: device got exactly 8 bytes')


def prepare_busy(bench):
    bench.printer.busy = True


def scenario_busy(bench, run, c):
    r = run.one('busy')
    c.check(r.get('error') == 'busy' and 'claimed by another driver' in r.get('description', ''),
            'busy: interface held elsewhere -> USBError.busy with advice')
    c.check(r.get('errorNoDetach') == 'busy', 'busy: also without kernel-driver detach')


def prepare_unplug(bench):
    bench.scanner.gone = True


def scenario_unplug(bench, run, c):
    r = run.one('unplug')
    c.check(r.get('error') == 'noDevice' and '05e0:1200' in r.get('description', ''),
            'unplug: transfer on a vanished device -> USBError.noDevice')


def prepare_access(bench):
    """Run the target as `nobody`: the printer node is world-writable (as a udev rule would
    make it), the scanner node stays root-only 0644, so opening it fails with EACCES."""
    root = bench.tb.get_root_dir()
    os.chmod(root, 0o777)                    # libusb's (emulated) udev monitor creates a socket here
    for top, dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(top, name)
            if (os.lstat(path).st_mode & 0o170000) == 0o140000:
                os.chmod(path, 0o777)        # ioctl sockets: connecting needs write permission
    os.chmod(root + bench.printer.devnode, 0o666)
    os.chmod(root + bench.pos.devnode, 0o666)
    os.chmod(root + bench.scanner.devnode, 0o644)


def scenario_access(bench, run, c):
    scanner = run.one('device', vidpid='05e0:1200')
    printer = run.one('device', vidpid='0a5f:0100')
    c.check(run.one('whoami').get('uid') == 65534, 'access: target ran as nobody')
    c.check(scanner.get('accessErrorCase') == 'access' and (scanner.get('accessError') or '').startswith(
        'no permission to open /dev/bus/usb/001/002 (05e0:1200): install Config/udev/60-station.rules'),
        'access: unopenable scanner still listed, with accessError naming node, rule and fix')
    c.check(scanner.get('bootKeyboard') is True and scanner.get('serial') is None,
            'access: descriptors still known, strings absent')
    c.check(printer.get('accessError') is None and printer.get('serial') == 'D2J123456',
            'access: accessible printer in the same listing read normally')
    r = run.one('access')
    c.check(r.get('error') == 'access' and '/dev/bus/usb/001/002' in r.get('description', ''),
            'access: USBDeviceHandle(05e0:1200) throws USBError.access')


def hotplug_during(bench):
    def during():
        dev = bench.plug_second_scanner()
        time.sleep(0.5)
        bench.unplug(dev)
    return during


def scenario_hotplug(bench, run, c):
    c.check(run.one('ready').get('native') is True, 'hotplug: native libusb hotplug in use')
    c.check(run.find('hotplug', kind='arrived', vidpid='05e0:1200', bus=1, address=4)
            and run.find('hotplug', kind='left', vidpid='05e0:1200', bus=1, address=4),
            'hotplug: arrival and removal of 001/004 delivered through the AsyncStream')
    c.check(run.one('finished').get('count') == 2, 'hotplug: stream finished after stop()')


def scenario_hotplug_poll(bench, run, c):
    c.check(run.one('ready').get('native') is False, 'hotplug-poll: polling fallback in use')
    kinds = [(r.get('kind'), r.get('address')) for r in run.find('hotplug')]
    c.check(kinds == [('arrived', 2), ('arrived', 4), ('left', 4)],
            f'hotplug-poll: existing device, then arrival and removal by re-enumeration ({kinds})')
    c.check(run.one('finished').get('count') == 3, 'hotplug-poll: stream finished after stop()')


SCENARIOS = {
    # name: (prepare(bench) or None, during(bench) -> callable or None, check); see also AS_NOBODY
    'list': (None, None, scenario_list),
    'scan': (prepare_scan, None, scenario_scan),
    'print': (None, None, scenario_print),
    'strings': (None, None, scenario_strings),
    'stall': (prepare_stall, None, scenario_stall),
    'partial': (prepare_partial, None, scenario_partial),
    'busy': (prepare_busy, None, scenario_busy),
    'unplug': (prepare_unplug, None, scenario_unplug),
    'hotplug': (None, hotplug_during, scenario_hotplug),
    'hotplug-poll': (None, hotplug_during, scenario_hotplug_poll),
    'access': (prepare_access, None, scenario_access),
}
AS_NOBODY = {'access'}      # needs root to drop to; skipped (not failed) otherwise


def main(argv):
    names = list(SCENARIOS)
    if '--list' in argv:
        print('\n'.join(names))
        return 0
    if '--' not in argv or argv.index('--') == len(argv) - 1:
        print(__doc__)
        return 2
    split = argv.index('--')
    options, command = argv[:split], argv[split + 1:]
    if '--scenarios' in options:
        names = options[options.index('--scenarios') + 1].split(',')
    bench = Bench()
    c = Checker()
    for name in names:
        prepare, during, check = SCENARIOS[name]
        if name in AS_NOBODY and not can_drop_privileges(command):
            print(f'skip {name}: needs root, setpriv and a target that user nobody may execute', flush=True)
            continue
        bench.reset()
        if prepare:
            prepare(bench)
        run = run_target(command, name, during(bench) if during else None, unprivileged=name in AS_NOBODY)
        print(f'--- {name}: rc {run.rc}, {run.seconds:.2f}s, {len(run.records)} record(s)', flush=True)
        ok = c.check(run.rc == 0, f'{name}: target exited 0')
        before = c.failed
        check(bench, run, c)
        if not ok or c.failed > before:
            print('  stdout:\n    ' + '\n    '.join(run.stdout.splitlines()[-int(os.environ.get("USB_HARNESS_LINES", "40")):]))
            print('  stderr:\n    ' + '\n    '.join(run.stderr.splitlines()[-int(os.environ.get("USB_HARNESS_LINES", "40")):]), flush=True)
    print(f'{c.passed} passed, {c.failed} failed', flush=True)
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
