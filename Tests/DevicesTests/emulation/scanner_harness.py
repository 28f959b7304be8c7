#!/usr/bin/python3
"""scanner_harness.py - replay scanner reports through umockdev to the station's scanner readers.

    /usr/bin/python3 scanner_harness.py [--scenarios a,b,...] [--list] -- COMMAND [ARGS...]

Builds the emulated devices of Tests/USBTests/emulation/usb_harness.py (HID boot-keyboard
scanner 05e0:1200 at /dev/bus/usb/001/002, printer, HID POS scanner 05e0:1300 whose report
descriptor names no Decoded Data field) plus a HID POS scanner 0c2e:0b6a (/dev/bus/usb/001/006)
with a full bar code scanner report descriptor (HID POS Usage Tables, page 0x8C). Then, once per
scenario, it runs COMMAND under `umockdev-wrapper` with SCANNER_HARNESS=1, USB_EMULATED=1 and
USB_SCENARIO=<name>, queues the scenario's interrupt reports, plugs and unplugs devices while the
command runs, and checks the `USBCHECK {json}` lines the command prints (one per ScannerEvent)
together with what the devices saw (ioctls, control requests). Prints `ok`/`FAIL`/`skip` lines
and `N passed, M failed`; exits 1 if anything failed.

COMMAND is the DevicesTests test binary filtered to its device-side test
(ScannerEmulationTests.swift does this). The key reports are built here from the HID Usage
Tables (keyboard page 0x07) with their own US and French tables, independent of the Swift ones.

To record a real scanner for a new scenario: `usbhid-dump -m VID:PID -es` (or `cat
/dev/hidrawN | xxd`) while scanning, and put the reports into a scenario's prepare function.

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

HERE = os.path.dirname(os.path.abspath(__file__))
USB_EMULATION = os.path.join(HERE, '..', '..', 'USBTests', 'emulation')

if 'umockdev' not in os.environ.get('LD_PRELOAD', '') and __name__ == '__main__':
    os.execvp('umockdev-wrapper', ['umockdev-wrapper', sys.executable, os.path.abspath(__file__), *sys.argv[1:]])

sys.dont_write_bytecode = True      # keep __pycache__ out of the source tree
sys.path.insert(0, USB_EMULATION)
import fakeusb  # noqa: E402
import usb_harness as uh  # noqa: E402

SET_PROTOCOL_BOOT = bytes.fromhex('210b000000000000')      # HID 1.11 7.2.6, wValue 0 = boot protocol
GET_REPORT_DESCRIPTOR = bytes([0x81, 0x06, 0x00, 0x22])     # GET_DESCRIPTOR(Report), interface recipient
USBDEVFS_CONNECT = 0x5517                                   # re-attach the kernel driver (usbdevfs_ioctl code)

# ---------------------------------------------------------------- HID POS scanner
# Report 2: byte count, symbology identifier 1-3, 56 bytes decoded data, 2 vendor bytes,
# Decode Data Continued in bit 0 of the last byte. Report 4: trigger (output).
POS_DESCRIPTOR = bytes.fromhex(
    '05 8C 09 02 A1 01 09 12 A1 02 85 02 15 00 26 FF 00 75 08 95 01 05 01 09 3B 81 02'
    '95 03 05 8C 09 FB 09 FC 09 FD 81 02 95 38 09 FE 82 02 01 06 66 FF 95 02 09 04 09 00 81 02'
    '05 8C 25 01 75 01 95 08 09 FF 81 02 C0 09 14 A1 02 85 04 95 08 09 00 09 5F 09 60 91 86 C0 C0')


def pos_text(port=5, address=6):
    return uh.umockdev_text(port, 1, address, uh.device_descriptor(0x0C2E, 0x0B6A) + uh.configuration(
        [uh.interface(0, 3, 0, 0, [uh.endpoint(0x84, 'interrupt', 64, 1)], uh.hid_descriptor(len(POS_DESCRIPTOR)))]))


def pos_reports(aim, text, report_id=2):
    """`text` in 56-byte pieces, Decode Data Continued set on all but the last."""
    data = text.encode()
    chunks = [data[i:i + 56] for i in range(0, max(len(data), 1), 56)]
    reports = []
    for index, chunk in enumerate(chunks):
        report = bytearray(64)
        report[0] = report_id
        report[1] = len(chunk)
        report[2:5] = aim.encode()
        report[5:5 + len(chunk)] = chunk
        report[61] = 0x31                          # vendor code ID: not data
        report[63] = 1 if index < len(chunks) - 1 else 0
        reports.append(bytes(report))
    return reports


# ---------------------------------------------------------------- keyboard reports
LCTRL, LSHIFT, RALT = 0x01, 0x02, 0x40


def us_table():
    table = {'\r': (0, 0x28), '\x1d': (LCTRL, 0x30), ' ': (0, 0x2C)}
    for i, c in enumerate('abcdefghijklmnopqrstuvwxyz'):
        table[c], table[c.upper()] = (0, 0x04 + i), (LSHIFT, 0x04 + i)
    for i, (plain, shifted) in enumerate(zip('1234567890', '!@#$%^&*()')):
        table[plain], table[shifted] = (0, 0x1E + i), (LSHIFT, 0x1E + i)
    for usage, plain, shifted in [(0x2D, '-', '_'), (0x2E, '=', '+'), (0x2F, '[', '{'), (0x30, ']', '}'),
                                  (0x31, '\\', '|'), (0x33, ';', ':'), (0x34, "'", '"'), (0x35, '`', '~'),
                                  (0x36, ',', '<'), (0x37, '.', '>'), (0x38, '/', '?')]:
        table[plain], table[shifted] = (0, usage), (LSHIFT, usage)
    return table


def fr_table():
    """French AZERTY as Windows' KBDFR: digits need Shift; GS is Ctrl + the $ key (0x30)."""
    table = {'\r': (0, 0x28), '\x1d': (LCTRL, 0x30), ' ': (0, 0x2C)}
    letters = {c: 0x04 + i for i, c in enumerate('abcdefghijklmnopqrstuvwxyz')}
    letters.update({'a': 0x14, 'q': 0x04, 'z': 0x1A, 'w': 0x1D, 'm': 0x33})
    for c, usage in letters.items():
        table[c], table[c.upper()] = (0, usage), (LSHIFT, usage)
    for i, (plain, shifted) in enumerate(zip('&é"\'(-è_çà', '1234567890')):
        table[plain], table[shifted] = (0, 0x1E + i), (LSHIFT, 0x1E + i)
    for usage, plain, shifted in [(0x2D, ')', '°'), (0x2E, '=', '+'), (0x30, '$', '£'), (0x34, 'ù', '%'),
                                  (0x36, ';', '.'), (0x37, ':', '/'), (0x38, '!', '§'), (0x10, ',', '?')]:
        table[plain], table[shifted] = (0, usage), (LSHIFT, usage)
    for usage, char in [(0x20, '#'), (0x21, '{'), (0x22, '['), (0x23, '|'), (0x25, '\\'), (0x27, '@'),
                        (0x2D, ']'), (0x2E, '}')]:
        table[char] = (RALT, usage)
    return table


LAYOUTS = {'us': us_table(), 'fr': fr_table()}


def typed(text, layout='us'):
    """Press and release per character (HID 1.11 appendix B.1 boot reports)."""
    table = LAYOUTS[layout]
    reports = []
    for char in text:
        modifiers, usage = table[char]
        reports += [bytes([modifiers, 0, usage, 0, 0, 0, 0, 0]), bytes(8)]
    return reports


DIGITAL_LINK = 'https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313&linkType=gs1%3Apip'
ELEMENT_STRING = '0108938512345017' '17260313' '10MD250314A' '\x1d' '21K7QM2X9PA4'


# ---------------------------------------------------------------- bench
class ScannerBench(uh.Bench):
    """usb_harness's devices plus the full HID POS scanner; records the keyboard scanner's
    usbfs ioctls so checks can see the kernel-driver detach and re-attach."""

    def __init__(self):
        super().__init__()
        self.pos2 = uh.Device(self.tb, pos_text(), '/dev/bus/usb/001/006')
        self.pos2.strings = {1: 'Honeywell', 2: 'Fake HID POS Scanner', 3: 'POS0002'}
        self.pos2.report_descriptors = {0: POS_DESCRIPTOR}
        self.ioctls = []
        self._record(self.scanner)

    def _record(self, device):
        original = device._dispatch

        def dispatch(req, client):
            if req == fakeusb.DISCONNECT_CLAIM:
                raw = bytes(client.get_arg().resolve(0, 264).retrieve())
                interface, flags = struct.unpack_from('<II', raw, 0)
                driver = raw[8:].split(b'\0', 1)[0].decode(errors='replace')
                self.ioctls.append({'ioctl': 'DISCONNECT_CLAIM', 'interface': interface, 'flags': flags, 'driver': driver})
            elif req == fakeusb.USBFS_IOCTL:
                interface, code = struct.unpack_from('<ii', bytes(client.get_arg().resolve(0, 16).retrieve()), 0)
                self.ioctls.append({'ioctl': 'USBDEVFS_IOCTL', 'interface': interface, 'code': code})
            return original(req, client)

        device._dispatch = dispatch

    def reset(self):
        super().reset()
        self.pos2.reset()
        self.ioctls = []

    def unplug_scanner(self):
        self.scanner.gone = True
        self.unplug(self.scanner)

    def replug_scanner(self):
        self.scanner = uh.Device(self.tb, uh.scanner_text(), '/dev/bus/usb/001/002')
        self.scanner.strings = {1: 'Symbol', 2: 'Fake HID Barcode Scanner', 3: 'SCAN0001'}
        self.scanner.report_descriptors = {0: uh.KEYBOARD_REPORT}
        self._record(self.scanner)
        self.tb.uevent(self.scanner.syspath, 'add')


# ---------------------------------------------------------------- running the target
class Target:
    """COMMAND running under umockdev-wrapper; `wait_for` lets a scenario react to its output."""

    def __init__(self, command, scenario, unprivileged=False):
        env = dict(os.environ, SCANNER_HARNESS='1', USB_EMULATED='1', USB_SCENARIO=scenario)
        prefix = uh.UNPRIVILEGED if unprivileged else []
        self.start = time.time()
        self.proc = subprocess.Popen([*prefix, 'umockdev-wrapper', *command], env=env, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines, self.records, self.err = [], [], []
        self.changed = threading.Condition()
        self.threads = [threading.Thread(target=self._pump, daemon=True),
                        threading.Thread(target=lambda: self.err.append(self.proc.stderr.read()), daemon=True)]
        for thread in self.threads:
            thread.start()

    def _pump(self):
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                if line.startswith('USBCHECK '):
                    try:
                        self.records.append(json.loads(line[len('USBCHECK '):]))
                    except ValueError:
                        pass
                self.changed.notify_all()

    def wait_for(self, what, predicate, timeout=20):
        deadline = time.time() + timeout
        with self.changed:
            while not predicate(self.records):
                left = deadline - time.time()
                if left <= 0 or self.proc.poll() is not None:
                    print(f'  waiting for {what}: gave up', flush=True)
                    return False
                self.changed.wait(min(left, 0.2))
        return True

    def finish(self, timeout=60):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        for thread in self.threads:
            thread.join(timeout=5)
        run = uh.Run(None, ''.join(self.lines), ''.join(self.err), rc, time.time() - self.start)
        return run


def scans(run):
    return [(r.get('text'), r.get('symbology')) for r in run.find('scan')]


def states(run):
    return [r.get('state') for r in run.find('status')]


# ---------------------------------------------------------------- scenarios
def prepare_keyboard(bench):
    reports = (typed(']Q1' + DIGITAL_LINK + '\r') + typed(']d2' + ELEMENT_STRING + '\r')
               + typed(']Q1' + DIGITAL_LINK + '\r')                                  # read again: a duplicate
               + [bytes([0, 0, 0x3A, 0, 0, 0, 0, 0]), bytes(8)] + typed('x\r'))     # F1: rejected
    for report in reports:
        bench.scanner.queue_in(0x81, report)


def check_keyboard(bench, run, c):
    c.check(scans(run) == [(DIGITAL_LINK, ']Q1'), (ELEMENT_STRING, ']d2')],
            'keyboard: Digital Link and GS1 element string (GS as Ctrl+]) arrive exactly, AIM ids reported')
    c.check([r.get('text') for r in run.find('duplicate')] == [DIGITAL_LINK], 'keyboard: the repeated read is one duplicate')
    c.check([r.get('reason') for r in run.find('rejected')] == ['unmappedKey'], 'keyboard: F1 inside a scan rejects it')
    connected = run.one('status', state='connected').get('device', '')
    c.check(connected.startswith('05e0:1200 at /dev/bus/usb/001/002 (Symbol Fake HID Barcode Scanner)'),
            f'keyboard: connected status names the device ({connected})')
    claims = [i for i in bench.ioctls if i['ioctl'] == 'DISCONNECT_CLAIM']
    c.check(claims and claims[0]['interface'] == 0 and claims[0]['driver'] == 'usbfs',
            f'keyboard: interface 0 claimed with kernel-driver detach (USBDEVFS_DISCONNECT_CLAIM) {claims}')
    c.check(any(s == SET_PROTOCOL_BOOT for s, _ in bench.scanner.control_log), 'keyboard: SET_PROTOCOL(boot) sent')
    reattach = [i for i in bench.ioctls if i['ioctl'] == 'USBDEVFS_IOCTL' and i['code'] == USBDEVFS_CONNECT]
    c.check(reattach and reattach[-1]['interface'] == 0, 'keyboard: kernel driver re-attached when the reader stops')
    c.check(states(run)[-1:] == ['stopped'], 'keyboard: stopped status last')


def prepare_keyboard_fr(bench):
    for report in typed(']Q1' + DIGITAL_LINK + '\r', 'fr') + typed(']d2' + ELEMENT_STRING + '\r', 'fr'):
        bench.scanner.queue_in(0x81, report)


def check_keyboard_fr(bench, run, c):
    c.check(scans(run) == [(DIGITAL_LINK, ']Q1'), (ELEMENT_STRING, ']d2')],
            'keyboard-fr: AZERTY reports (digits with Shift, GS as Ctrl+$) arrive exactly')
    c.check(not run.find('rejected'), 'keyboard-fr: nothing rejected')


def during_replug(bench, target):
    for report in typed('A1\r'):
        bench.scanner.queue_in(0x81, report)
    if not target.wait_for('first scan', lambda rs: any(r.get('event') == 'scan' for r in rs)):
        return
    bench.unplug_scanner()
    if not target.wait_for('disconnected', lambda rs: any(r.get('state') == 'disconnected' for r in rs)):
        return
    time.sleep(0.3)
    bench.replug_scanner()
    for report in typed('A2\r'):
        bench.scanner.queue_in(0x81, report)


def check_replug(bench, run, c):
    c.check([t for t, _ in scans(run)] == ['A1', 'A2'], 'replug: a scan before and a scan after re-plugging')
    flow = [s for s in states(run) if s in ('connected', 'disconnected')]
    c.check(flow == ['connected', 'disconnected', 'connected'], f'replug: connected, disconnected, connected ({states(run)})')
    c.check('noDevice' in (run.one('status', state='disconnected').get('detail') or '')
            or 'no longer connected' in (run.one('status', state='disconnected').get('detail') or ''),
            'replug: disconnected status says the device is gone')
    c.check(len(run.find('started')) == 1, 'replug: found again without restarting the reader')
    claims = [i for i in bench.ioctls if i['ioctl'] == 'DISCONNECT_CLAIM']
    c.check(len(claims) >= 2 and all(i['driver'] == 'usbfs' for i in claims),
            f'replug: the re-plugged scanner is claimed again with kernel-driver detach ({len(claims)} claims)')


def prepare_pos(bench):
    for report in pos_reports(']Q1', DIGITAL_LINK) + [bytes([4, 0x40])] + pos_reports(']d2', ELEMENT_STRING):
        bench.pos2.queue_in(0x84, report)


def check_pos(bench, run, c):
    c.check(scans(run) == [(DIGITAL_LINK, ']Q1'), (ELEMENT_STRING, ']d2')],
            f'hidpos: {len(pos_reports("]Q1", DIGITAL_LINK))}-report Digital Link and GS1 element string reassembled')
    c.check(any(s[:4] == GET_REPORT_DESCRIPTOR for s, _ in bench.pos2.control_log), 'hidpos: report descriptor requested')
    detail = run.one('status', state='connected').get('device', '')
    c.check('report descriptor' in detail, f'hidpos: layout taken from the report descriptor ({detail})')


def prepare_pos_fallback(bench):
    for report in pos_reports(']e0', '0108938512345017'):
        bench.pos.queue_in(0x83, report)


def check_pos_fallback(bench, run, c):
    c.check(scans(run) == [('0108938512345017', ']e0')], 'hidpos-fallback: scan decoded with the common layout')
    detail = run.one('status', state='connected').get('device', '')
    c.check('common 64-byte layout' in detail, f'hidpos-fallback: descriptor without Decoded Data -> common layout ({detail})')


def prepare_access(bench):
    uh.prepare_access(bench)


def check_access(bench, run, c):
    denied = run.one('status', state='permissionDenied')
    c.check(denied.get('path') == '/dev/bus/usb/001/002' and 'udev' in (denied.get('detail') or ''),
            f'access: permission denied names the node and the udev fix ({denied})')


SCENARIOS = {
    # name: (prepare(bench) or None, during(bench, target) or None, check, run as nobody)
    'keyboard': (prepare_keyboard, None, check_keyboard, False),
    'keyboard-fr': (prepare_keyboard_fr, None, check_keyboard_fr, False),
    'replug': (None, during_replug, check_replug, False),
    'hidpos': (prepare_pos, None, check_pos, False),
    'hidpos-fallback': (prepare_pos_fallback, None, check_pos_fallback, False),
    'access': (prepare_access, None, check_access, True),
}


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
    bench = ScannerBench()
    c = uh.Checker()
    for name in names:
        prepare, during, check, as_nobody = SCENARIOS[name]
        if as_nobody and not uh.can_drop_privileges(command):
            print(f'skip {name}: needs root, setpriv and a target that user nobody may execute', flush=True)
            continue
        bench.reset()
        if prepare:
            prepare(bench)
        target = Target(command, name, unprivileged=as_nobody)
        if during:
            if target.wait_for('ready', lambda rs: any(r.get('event') == 'ready' for r in rs)):
                during(bench, target)
        run = target.finish()
        print(f'--- {name}: rc {run.rc}, {run.seconds:.2f}s, {len(run.records)} record(s)', flush=True)
        ok = c.check(run.rc == 0, f'{name}: target exited 0')
        before = c.failed
        check(bench, run, c)
        if not ok or c.failed > before:
            lines = int(os.environ.get('USB_HARNESS_LINES', '40'))
            print('  stdout:\n    ' + '\n    '.join(run.stdout.splitlines()[-lines:]))
            print('  stderr:\n    ' + '\n    '.join(run.stderr.splitlines()[-lines:]), flush=True)
    print(f'{c.passed} passed, {c.failed} failed', flush=True)
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
