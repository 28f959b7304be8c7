#!/usr/bin/python3
"""printer_harness.py - USB label printers emulated with umockdev, for the Devices printer drivers.

    /usr/bin/python3 printer_harness.py [--scenarios a,b,...] [--list] -- COMMAND [ARGS...]

Builds on usb_harness.py (same folder) and fakeusb.py. It emulates two printer-class devices:

  0a5f:0100  a Link-OS Zebra (001/003, bulk OUT 0x01, bulk IN 0x82) that answers ~HS with the three
             <STX>...<ETX><CR><LF> lines of the ZPL II Programming Guide and ~HQES with its error and
             warning bit groups, and can be paper-out, silent, stall or vanish after N bytes;
  0483:5743  an Xprinter-style ESC/POS printer (001/006, bulk OUT 0x03, bulk IN 0x84) answering
             DLE EOT 1..4 on its bulk IN endpoint only.

For each scenario it runs COMMAND under umockdev-wrapper with USB_EMULATED=1 and USB_SCENARIO=<name>
(COMMAND is the DevicesTests binary filtered to `deviceSidePrinterScenario`, see
Tests/DevicesTests/Printers/USBPrinterEmulationTests.swift), then checks the `USBCHECK {json}` lines
it printed against what the devices received. Prints ok/FAIL/skip lines and `N passed, M failed`.

Needs Debian's /usr/bin/python3 (with gi) and umockdev; re-executes itself under umockdev-wrapper.
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

if 'umockdev' not in os.environ.get('LD_PRELOAD', '') and __name__ == '__main__':
    os.execvp('umockdev-wrapper', ['umockdev-wrapper', sys.executable, os.path.abspath(__file__), *sys.argv[1:]])

sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
import fakeusb  # noqa: E402
import usb_harness as uh  # noqa: E402


class LinkOSZebra(uh.Device):
    """A Zebra on Link-OS firmware: ~HS and ~HQES on bulk IN 0x82, with scriptable faults."""
    device_id = b'MFG:Zebra Technologies;CMD:ZPL;MDL:ZD421;'

    def reset(self):
        super().reset()
        self.paper_out = False
        self.head_open = False
        self.silent = False           # no reply at all while faulted (quirk status-silent-when-faulted)
        self.stall_after = None       # bulk OUT stalls once this many bytes arrived
        self.unplug_after = None      # the device vanishes once this many bytes arrived

    def host_status(self):
        s1 = b'030,%d,0,1245,000,0,0,0,000,0,0,0' % self.paper_out
        s2 = b'001,0,%d,0,1,2,6,0,00000000,1,000' % self.head_open
        return b''.join(b'\x02' + s + b'\x03\r\n' for s in (s1, s2, b'1234,0'))

    def host_query(self):
        errors = (1 if self.paper_out else 0) | (4 if self.head_open else 0)
        body = b'\r\nPRINTER STATUS\r\n   ERRORS:         %d 00000000 %08X\r\n   WARNINGS:       0 00000000 00000000\r\n' % (
            1 if errors else 0, errors)
        return b'\x02' + body + b'\x03\r\n'

    def on_out(self, ep, data):
        total = len(self.out_data[ep])
        if self.stall_after is not None and total >= self.stall_after:
            self.stall_eps.add(ep)
        if self.unplug_after is not None and total >= self.unplug_after:
            self.gone = True
        if self.silent and (self.paper_out or self.head_open):
            return
        reply = b''
        i = 0
        while True:
            i = data.find(b'~H', i)
            if i < 0:
                break
            if data.startswith(b'~HQES', i):
                reply += self.host_query()
                i += 5
            elif data.startswith(b'~HS', i):
                reply += self.host_status()
                i += 3
            else:
                i += 2
        if reply:
            self.queue_in(0x82, reply)

    def control(self, bmRT, bReq, wValue, wIndex, wLength, data):
        if (bmRT, bReq) == (0xA1, 0):
            return (len(self.device_id) + 2).to_bytes(2, 'big') + self.device_id
        return super().control(bmRT, bReq, wValue, wIndex, wLength, data)


class ESCPOSPrinter(uh.Device):
    """Answers DLE EOT n (Epson ESC/POS reference) with one status byte on bulk IN 0x84."""

    def reset(self):
        super().reset()
        self.paper_near_end = False
        self.cover_open = False

    def on_out(self, ep, data):
        i = 0
        while True:
            i = data.find(b'\x10\x04', i)
            if i < 0 or i + 2 >= len(data):
                break
            n = data[i + 2]
            byte = {1: 0x12 | (0x08 if self.cover_open else 0),
                    2: 0x12 | (0x04 if self.cover_open else 0),
                    3: 0x12,
                    4: 0x12 | (0x0C if self.paper_near_end else 0)}.get(n)
            if byte is not None:
                self.queue_in(0x84, bytes([byte]))
            i += 3


def zebra_text():
    return uh.printer_text(port=2, address=3)


def escpos_text():
    return uh.umockdev_text(5, 1, 6, uh.device_descriptor(0x0483, 0x5743) + uh.configuration(
        [uh.interface(0, 7, 1, 2, [uh.endpoint(0x03, 'bulk', 64), uh.endpoint(0x84, 'bulk', 64)])], attrs=0xC0, max_power=1))


class PrinterBench:
    def __init__(self):
        self.tb = fakeusb.new_testbed()
        os.environ['UMOCKDEV_DIR'] = self.tb.get_root_dir()
        self.zebra = LinkOSZebra(self.tb, zebra_text(), '/dev/bus/usb/001/003')
        self.zebra.strings = {1: 'Zebra Technologies', 2: 'ZTC ZD421-203dpi', 3: 'D8N220001'}
        self.escpos = ESCPOSPrinter(self.tb, escpos_text(), '/dev/bus/usb/001/006')
        self.escpos.strings = {1: 'Xprinter', 2: 'XP-365B', 3: 'XP0001'}

    def reset(self):
        self.zebra.reset()
        self.escpos.reset()


def unhex(text):
    return bytes.fromhex(text or '')


# ---------------------------------------------------------------- scenarios
def check_zpl_print(bench, run, c):
    r = run.one('print')
    got = bytes(bench.zebra.out_data[0x01])
    c.check(got == unhex(r.get('expected')) and len(got) > 40000,
            f'printer-zpl: bulk OUT stream byte-exact: status queries and labels in order ({len(got)} bytes)')
    c.check(r.get('written') == r.get('sizes'), 'printer-zpl: receipts count every label byte')
    c.check(r.get('status') == 'ready' and r.get('evidence') == '~HS ~HQES', 'printer-zpl: ~HS and ~HQES replies parsed: ready')
    sizes = [len(d) for ep, d in bench.zebra.out_transfers]
    c.check(max(sizes) == 16384, f'printer-zpl: large label sent in 16 KiB bulk transfers ({sizes})')
    c.check(r.get('commandSet') == ['ZPL'], 'printer-zpl: IEEE 1284 device ID names ZPL')


def prepare_paper_out(bench):
    bench.zebra.paper_out = True
    bench.zebra.head_open = True


def check_paper_out(bench, run, c):
    r = run.one('paperout')
    c.check(r.get('faults') == ['head_open', 'paper_out'], f'printer-zpl-paperout: faults {r.get("faults")}')
    c.check(r.get('sendError') == 'notReady', 'printer-zpl-paperout: send refused before any label byte')
    c.check(bytes(bench.zebra.out_data[0x01]) in (b'~HS~HQES~HS~HQES', b'~HS~HQES~HS~HS~HQES'),
            f'printer-zpl-paperout: only status queries reached the printer ({bytes(bench.zebra.out_data[0x01])!r})')


def prepare_silent(bench):
    bench.zebra.paper_out = True
    bench.zebra.silent = True


def check_silent(bench, run, c):
    r = run.one('silent')
    c.check(r.get('condition') == 'not_responding' and r.get('waitedMs', 0) >= 300,
            f'printer-zpl-silent: no reply within 300 ms -> not_responding ({r})')
    c.check('media is out or the head is open' in (r.get('detail') or ''), 'printer-zpl-silent: profile quirk advice given')


def prepare_stall(bench):
    bench.zebra.stall_after = 20000


def check_stall(bench, run, c):
    r = run.one('stall')
    got = len(bench.zebra.out_data[0x01])
    c.check(r.get('error') == 'interrupted' and r.get('cause') == 'stalled', f'printer-stall: stalled mid-label -> interrupted ({r})')
    c.check(r.get('atLeast') == got and r.get('atMost', 0) >= got and r.get('atMost', 0) < r.get('total', 0),
            f'printer-stall: delivered {r.get("atLeast")}..{r.get("atMost")}, device got {got}')
    c.check(not bench.zebra.stall_eps, 'printer-stall: halt cleared after the stall')


def prepare_unplug(bench):
    bench.zebra.unplug_after = 20000


def check_unplug(bench, run, c):
    r = run.one('unplug')
    got = len(bench.zebra.out_data[0x01])
    c.check(r.get('error') == 'interrupted' and r.get('cause') == 'connectionLost',
            f'printer-unplug: device vanished mid-label -> interrupted by a lost link ({r})')
    c.check(r.get('atLeast') == got and r.get('atMost', 0) < r.get('total', 0),
            f'printer-unplug: delivered {r.get("atLeast")}..{r.get("atMost")}, device got {got}')
    c.check(r.get('statusAfter') == 'offline', 'printer-unplug: status afterwards is offline')


def prepare_escpos(bench):
    bench.escpos.paper_near_end = True


def check_escpos(bench, run, c):
    r = run.one('escpos')
    got = bytes(bench.escpos.out_data[0x03])
    c.check(got == unhex(r.get('expected')), f'printer-escpos: bulk OUT stream byte-exact ({len(got)} bytes)')
    c.check(r.get('status') == 'ready' and r.get('warnings') == ['paper_near_end'],
            f'printer-escpos: DLE EOT 1-4 over bulk IN parsed, near end warned ({r})')


def check_throughput(bench, run, c):
    r = run.one('throughput')
    c.check(0 < r.get('bytes', 0) <= len(bench.zebra.out_data[0x01]) and r.get('bytesPerSecond', 0) > 0,
            f'printer-usb-throughput: {r.get("bytesPerSecond", 0) / 1e6:.2f} MB/s raw, '
            f'{r.get("labelsPerSecond", 0):.0f} labels/s with a status poll per label')


SCENARIOS = {
    'printer-zpl': (None, check_zpl_print),
    'printer-zpl-paperout': (prepare_paper_out, check_paper_out),
    'printer-zpl-silent': (prepare_silent, check_silent),
    'printer-stall': (prepare_stall, check_stall),
    'printer-unplug': (prepare_unplug, check_unplug),
    'printer-escpos': (prepare_escpos, check_escpos),
    'printer-usb-throughput': (None, check_throughput),
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
    bench = PrinterBench()
    c = uh.Checker()
    for name in names:
        prepare, check = SCENARIOS[name]
        bench.reset()
        if prepare:
            prepare(bench)
        run = uh.run_target(command, name, None, timeout=120)
        print(f'--- {name}: rc {run.rc}, {run.seconds:.2f}s, {len(run.records)} record(s)', flush=True)
        ok = c.check(run.rc == 0, f'{name}: target exited 0')
        before = c.failed
        check(bench, run, c)
        if not ok or c.failed > before:
            print('  stdout:\n    ' + '\n    '.join(run.stdout.splitlines()[-40:]))
            print('  stderr:\n    ' + '\n    '.join(run.stderr.splitlines()[-40:]), flush=True)
    print(f'{c.passed} passed, {c.failed} failed', flush=True)
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
