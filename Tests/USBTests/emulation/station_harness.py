#!/usr/bin/python3
"""station_harness.py - the real `station` binary against USB devices emulated with umockdev.

    /usr/bin/python3 station_harness.py STATION_BINARY [printer|scanners ...]

printer   A Link-OS Zebra 0a5f:0100 (printer class 7/1/2, bulk OUT 0x01, bulk IN 0x82, from
          printer_harness.py) receives `station print` jobs over libusb: the bulk OUT stream must be
          exactly the printer's status queries and, in order, the ZPL `station label render` makes
          for each commissioned serial. Then the printer runs out of paper when the second window's
          labels arrive (its ~HS/~HQES replies say so): the job pauses with that window uncertain and
          nothing more sent; the operator confirms the window, reloads paper, resumes, and the job
          completes with every serial on paper exactly once. Then the link fails mid-job: the bulk
          OUT endpoint stalls, or the printer is unplugged; the job pauses with the window being
          written uncertain, the operator voids those, the printer comes back, and the resumed job
          ends with every serial printed once or void.
scanners  The daemon (`station run`) reads a HID boot-keyboard scanner 05e0:1200 and a HID POS
          scanner 0c2e:0b6a (scanner_harness.py) through libusb: replayed reports of a Digital Link
          (keyboard), a scan broken by an F1 key (rejected by the reader), a GS1 element string with
          GS typed as Ctrl+] (keyboard) and a Digital Link in HID POS reports. Each stamp becomes an
          inspecting event, the broken scan a rejected scan-log row, and nothing is lost. Then the
          keyboard scanner is unplugged and re-plugged under the running daemon (a scan before and
          after, no restart), and both scanners send garbage (random reports, an overlong scan,
          invalid UTF-8): rejections with reasons, a good scan still read, no crash.

Each station command runs under `umockdev-wrapper` in the harness's testbed, from a scratch
directory (so the built-in configuration applies) with `--set` for the devices. Prints ok/FAIL
lines and `N passed, M failed`; exits 1 on any failure. Needs Debian's /usr/bin/python3 (gi),
umockdev and zbarimg; re-executes itself under umockdev-wrapper.
"""
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))

if 'umockdev' not in os.environ.get('LD_PRELOAD', '') and __name__ == '__main__':
    os.execvp('umockdev-wrapper', ['umockdev-wrapper', sys.executable, os.path.abspath(__file__), *sys.argv[1:]])

sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, 'Tests', 'DevicesTests', 'emulation'))
import fakeusb  # noqa: E402
import usb_harness as uh  # noqa: E402
import printer_harness as ph  # noqa: E402


class Station:
    """One scratch data directory driven through the station CLI."""

    def __init__(self, binary, sets):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix='station-usb-')
        self.sets = sets
        self.log_level = 'warning'
        self.env = dict(os.environ, STATION_TEMPLATES=os.path.join(ROOT, 'Config', 'templates'))
        self.env = {k: v for k, v in self.env.items() if not k.startswith('STATION_') or k == 'STATION_TEMPLATES'}

    def args(self, *args):
        common = ['--data-dir', os.path.join(self.dir, 'var'), '--log-level', self.log_level]
        for s in self.sets:
            common += ['--set', s]
        return [self.binary, *args, *common]

    def run(self, *args, timeout=120):
        """Runs a command under umockdev-wrapper (in this testbed); (rc, stdout+stderr)."""
        p = subprocess.run(['umockdev-wrapper', *self.args(*args)], cwd=self.dir, env=self.env, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
        return p.returncode, p.stdout

    def start(self, *args):
        return subprocess.Popen(['umockdev-wrapper', *self.args(*args)], cwd=self.dir, env=self.env, text=True,
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def catalog(self, lot):
        for args in (['product', 'add', '--gtin', '8938512345017', '--name', 'Miến dong Na Rì', '--producer', 'HTX Na Rì',
                      '--producer-gln', '8938512340005', '--shelf-life-days', '364'],
                     ['batch', 'create', '--product', '8938512345017', '--lot', lot, '--produced', '2025-03-14',
                      '--quantity', '1000']):
            rc, out = self.run(*args)
            if rc != 0:
                raise RuntimeError(f'station {args[0]} failed: {out}')

    def serials(self, step):
        rc, out = self.run('events', 'list', '--biz-step', step)
        return re.findall(r'/21/([0-9A-Z]+)', out)

    def db(self):
        return sqlite3.connect(f'file:{os.path.join(self.dir, "var", "station.sqlite")}?mode=ro', uri=True)


# ---------------------------------------------------------------- printer
class ScriptedZebra(ph.LinkOSZebra):
    """Runs out of paper once `paper_out_at` labels (^XZ) have arrived."""

    def reset(self):
        super().reset()
        self.paper_out_at = None

    def on_out(self, ep, data):
        if self.paper_out_at is not None and bytes(self.out_data[ep]).count(b'^XZ') >= self.paper_out_at:
            self.paper_out = True
        super().on_out(ep, data)


QUERIES = (b'~HQES', b'~HS')


def split_stream(stream, labels):
    """Walks the bulk OUT stream: status queries anywhere, labels in this order. Returns
    (labels matched, queries seen, offset of the first byte that is neither)."""
    i, matched, queries = 0, 0, 0
    while i < len(stream):
        if matched < len(labels) and stream.startswith(labels[matched], i):
            i += len(labels[matched])
            matched += 1
            continue
        query = next((q for q in QUERIES if stream.startswith(q, i)), None)
        if query is None:
            return matched, queries, i
        i += len(query)
        queries += 1
    return matched, queries, None


def rendered(station, lot, serials):
    out = []
    for s in serials:
        path = os.path.join(station.dir, f'{s}.zpl')
        rc, text = station.run('label', 'render', '--batch', lot, '--serial', s, '--lang', 'zpl', '--mode', 'raster', '--out', path)
        if rc != 0:
            raise RuntimeError(f'label render failed: {text}')
        out.append(open(path, 'rb').read())
    return out


def printer_checks(binary, c):
    tb = fakeusb.new_testbed()
    os.environ['UMOCKDEV_DIR'] = tb.get_root_dir()
    zebra = ScriptedZebra(tb, ph.zebra_text(), '/dev/bus/usb/001/003')
    zebra.strings = {1: 'Zebra Technologies', 2: 'ZTC ZD421-203dpi', 3: 'D8N220001'}
    sets = ['printers.zebra.driver=usb', 'printers.zebra.address=0a5f:0100', 'printers.zebra.language=zpl',
            'printers.zebra.mode=raster', 'jobs.window=2']

    station = Station(binary, sets)
    station.catalog('USB1')
    zebra.reset()
    start = time.time()
    rc, out = station.run('print', '--batch', 'USB1', '--count', '3', '--printer', 'zebra')
    c.check(rc == 0 and 'completed' in out, f'print: `station print` over emulated USB completes ({time.time() - start:.1f}s)'
            + ('' if rc == 0 else f'\n{out}'))
    serials = station.serials('commissioning')
    labels = rendered(station, 'USB1', serials)
    stream = bytes(zebra.out_data[0x01])
    matched, queries, stray = split_stream(stream, labels)
    c.check(len(serials) == 3 and matched == 3 and stray is None,
            f'print: bulk OUT = status queries + the 3 rendered labels byte-exact, in order ({len(stream)} bytes, '
            f'{matched} labels, stray at {stray})')
    c.check(queries >= 4, f'print: the printer was asked before and after each window ({queries} queries)')

    # Paper out when the second window (labels 3 and 4) has arrived.
    station = Station(binary, sets)
    station.catalog('USB2')
    zebra.reset()
    zebra.paper_out_at = 4
    rc, out = station.run('print', '--batch', 'USB2', '--count', '6', '--printer', 'zebra')
    c.check(rc == 3 and 'paused' in out and 'paper_out' in out, f'paperout: job paused on the printer\'s paper-out status (rc {rc})'
            + ('' if rc == 3 else f'\n{out}'))
    _, shown = station.run('job', 'show', '1')
    uncertain = re.findall(r'uncertain: ([0-9A-Z]+)', shown)
    c.check('printed 2/6' in shown and len(uncertain) == 2, f'paperout: first window commissioned, second uncertain ({shown.strip()})')
    c.check(bytes(zebra.out_data[0x01]).count(b'^XZ') == 4, 'paperout: no label sent after the fault')
    rc1, _ = station.run('job', 'resolve', '1', '--all-printed')
    zebra.paper_out = False
    zebra.paper_out_at = None
    rc2, out2 = station.run('job', 'resume', '1')
    c.check(rc1 == 0 and rc2 == 0 and 'completed — printed 6/6' in out2, f'paperout: resolved and resumed to completion ({out2.strip()})')
    serials = station.serials('commissioning')
    stream = bytes(zebra.out_data[0x01])
    matched, _, stray = split_stream(stream, rendered(station, 'USB2', serials))
    c.check(len(serials) == 6 == len(set(serials)) and matched == 6 and stray is None,
            f'paperout: 6 serials, each sent once, stream byte-exact ({matched} labels, stray at {stray})')

    # Faults of the link itself, mid-job: the bulk OUT endpoint stalls, then the printer is unplugged.
    for fault in ('stall', 'unplug'):
        station = Station(binary, sets)
        lot = f'USB{fault.upper()}'
        station.catalog(lot)
        zebra.reset()
        one_label = len(rendered(station, lot, ['PROBESERIAL'])[0])
        if fault == 'stall':
            zebra.stall_after = one_label * 3 + 1      # inside the second window (labels 3 and 4)
        else:
            zebra.unplug_after = one_label * 3 + 1
        rc, out = station.run('print', '--batch', lot, '--count', '6', '--printer', 'zebra')
        c.check(rc == 3 and 'paused' in out, f'{fault}: the job pauses when the link fails mid-job (rc {rc})'
                + ('' if rc == 3 else f'\n{out}'))
        _, shown = station.run('job', 'show', '1')
        printed = re.search(r'printed (\d+)/6', shown)
        uncertain = re.findall(r'uncertain: ([0-9A-Z]+)', shown)
        c.check(printed is not None and int(printed.group(1)) >= 2 and len(uncertain) >= 1,
                f'{fault}: windows before the fault commissioned, the one being written uncertain ({shown.strip()})')
        sent = bytes(zebra.out_data[0x01]).count(b'^XZ')
        # The operator finds the half-written label spoiled: the uncertain ones are voided, paper and link restored.
        rc1, out1 = station.run('job', 'resolve', '1', '--void', *uncertain, '--reason', 'nhãn in dở khi máy in mất kết nối')
        zebra.stall_after = zebra.unplug_after = None
        zebra.stall_eps.clear()
        zebra.gone = False
        rc2, out2 = station.run('job', 'resume', '1')
        c.check(rc1 == 0 and rc2 == 0 and 'completed — printed 6/6' in out2,
                f'{fault}: resolved, reconnected, resumed to completion ({out1.strip()} / {out2.strip()})')
        commissioned = station.serials('commissioning')
        voided = station.serials('decommissioning')
        c.check(len(commissioned) == 6 == len(set(commissioned)) and set(voided) == set(uncertain) and not set(voided) & set(commissioned),
                f'{fault}: every serial printed once or void, none both ({len(commissioned)} printed, {len(voided)} void, '
                f'{sent} labels sent before the fault)')

    # The printer unplugged and plugged back while the daemon runs: the operator's screen shows it
    # offline, then ready again, without a restart.
    station = Station(binary, sets)
    station.catalog('USBHOT')
    zebra.reset()
    station.log_level = 'notice'
    daemon = station.start('run', '--port', '0')

    def zebra_condition(want):
        return until_api(station, daemon, '/api/printers', 'zebra', 'condition', want)
    ready = zebra_condition('ready')
    zebra.gone = True
    offline = zebra_condition('offline')
    zebra.gone = False
    back = zebra_condition('ready')
    log = stop(daemon)
    c.check(bool(ready and offline and back) and offline['condition'] == 'offline' and back['condition'] == 'ready' and daemon.returncode == 0,
            f'hotplug: the printer unplugged and back shows offline, then ready, on the operator\'s screen without a restart '
            f'({[x and x["condition"] for x in (ready, offline, back)]})' + ('' if daemon.returncode == 0 else '\n' + log[-2000:]))


def until_api(station, daemon, path, name, key, want, timeout=20):
    """Polls the running daemon's operator API at `path` until the entry `name` has `key` == `want`;
    returns that entry, or the last one seen."""
    import json
    import urllib.request
    var = os.path.join(station.dir, 'var')
    deadline, seen = time.time() + timeout, None
    while time.time() < deadline and daemon.poll() is None:
        try:
            port = open(os.path.join(var, 'web.port')).read().strip()
            token = open(os.path.join(var, 'web.token')).read().strip()
            req = urllib.request.Request(f'http://127.0.0.1:{port}{path}', headers={'Authorization': f'Bearer {token}'})
            seen = next((x for x in json.load(urllib.request.urlopen(req, timeout=5)) if x['name'] == name), None)
            if seen and seen[key] == want:
                return seen
        except (OSError, ValueError):
            pass
        time.sleep(0.25)
    return seen


# ---------------------------------------------------------------- scanners
def stop(daemon):
    """SIGTERM, then the daemon's whole output (killed if it does not stop within 30 s)."""
    daemon.send_signal(signal.SIGTERM)
    try:
        log, _ = daemon.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        daemon.kill()
        log, _ = daemon.communicate()
    return log


def element_string(link):
    """The GS1 element string of a stamp's Digital Link, GS (0x1D) after variable-length fields."""
    m = re.match(r'https?://[^/]+/01/(\d{14})/10/([^/]+)/21/([^?]+)\?17=(\d{6})&92=(\w+)$', link)
    gtin, lot, serial, expiry, tag = m.groups()
    return f'01{gtin}17{expiry}10{lot}\x1d21{serial}\x1d92{tag}'


def scanner_checks(binary, c):
    import scanner_harness as sh
    bench = sh.ScannerBench()
    station = Station(binary, ['printers.line1.driver=virtual', 'printers.line1.mode=raster'])
    station.catalog('SCAN1')
    rc, out = station.run('print', '--batch', 'SCAN1', '--count', '3')
    if rc != 0:
        c.check(False, f'scanners: stamps printed on the virtual printer\n{out}')
        return
    links = []
    for i in (1, 2, 3):
        png = os.path.join(station.dir, 'var', 'labels', f'{i:06d}.png')
        links.append(subprocess.run(['zbarimg', '-q', '--raw', png], text=True, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL).stdout.strip())
    es = element_string(links[2])

    bench.reset()
    reports = (sh.typed(']Q1' + links[0] + '\r')
               + [bytes([0, 0, 0x3A, 0, 0, 0, 0, 0]), bytes(8)] + sh.typed('x\r')      # F1 inside a scan: rejected
               + sh.typed(']d2' + es + '\r'))
    for r in reports:
        bench.scanner.queue_in(0x81, r)
    for r in sh.pos_reports(']Q1', links[1]):
        bench.pos2.queue_in(0x84, r)
    station.sets = ['scanners.kb.source=hid', 'scanners.kb.address=05e0:1200', 'scanners.kb.mode=inspecting',
                    'scanners.pos.source=hidpos', 'scanners.pos.address=0c2e:0b6a', 'scanners.pos.mode=inspecting']
    daemon = station.start('run', '--port', '0')
    deadline, rows = time.time() + 60, []
    while time.time() < deadline and daemon.poll() is None:
        try:
            with station.db() as db:
                rows = db.execute('SELECT scanner, raw, kind, outcome FROM scan_log ORDER BY id').fetchall()
        except sqlite3.Error:
            rows = []
        if len(rows) >= 4:
            break
        time.sleep(0.2)
    log = stop(daemon)
    c.check(daemon.returncode == 0, f'scanners: daemon read both scanners and stopped cleanly on SIGTERM (rc {daemon.returncode})'
            + ('' if daemon.returncode == 0 else '\n' + log[-3000:]))
    accepted = [(s, r.decode()) for s, r, k, o in rows if o.startswith('accepted')]
    c.check(sorted(accepted) == sorted([('kb', links[0]), ('kb', es), ('pos', links[1])]),
            f'scanners: Digital Link (keyboard), element string with GS (keyboard) and Digital Link (HID POS) arrive exactly ({accepted})')
    rejected = [(s, o) for s, r, k, o in rows if o.startswith('rejected')]
    c.check(len(rejected) == 1 and rejected[0][0] == 'kb' and 'key 0x3A' in rejected[0][1],
            f'scanners: the broken scan is kept in the scan log as rejected with its reason ({rejected})')
    inspected = station.serials('inspecting')
    printed = [re.search(r'/21/([0-9A-Z]+)', l).group(1) for l in links]
    c.check(sorted(inspected) == sorted(printed), f'scanners: one inspecting event per stamp scanned ({inspected})')

    # The same daemon set-up again: the keyboard scanner is unplugged and plugged back while it
    # runs (found again without a restart), then both scanners send garbage: random reports, a scan
    # longer than the limit, bytes that are not UTF-8. Each becomes a rejection, and a good scan
    # afterwards is still read.
    import random
    with station.db() as db:
        base = db.execute('SELECT COUNT(*) FROM scan_log').fetchone()[0]

    def rows_after(n, timeout=40):
        deadline, found = time.time() + timeout, []
        while time.time() < deadline and daemon.poll() is None:
            try:
                with station.db() as db:
                    found = db.execute('SELECT scanner, raw, outcome FROM scan_log WHERE id > ? ORDER BY id', (base,)).fetchall()
            except sqlite3.Error:
                found = []
            if len(found) >= n:
                break
            time.sleep(0.2)
        return found

    bench.reset()
    for r in sh.typed(links[1] + '\r'):
        bench.scanner.queue_in(0x81, r)
    station.log_level = 'notice'            # the connection changes the operator is told about
    daemon = station.start('run', '--port', '0')
    before = rows_after(1)

    def kb_state(want):
        """The keyboard scanner's state as the operator's API shows it, once it reads `want`."""
        return until_api(station, daemon, '/api/scanners', 'kb', 'state', want)
    connected = kb_state('connected')
    bench.unplug_scanner()
    gone = kb_state('disconnected')
    bench.replug_scanner()
    back = kb_state('connected')
    for r in sh.typed(links[2] + '\r'):
        bench.scanner.queue_in(0x81, r)
    after = rows_after(2)
    c.check(bool(connected and gone and back) and gone['state'] == 'disconnected' and 'Mất kết nối' in gone['message']
            and back['state'] == 'connected',
            f'hotplug: the operator\'s screen (/api/scanners) shows the scanner connected, unplugged, back ({connected}, {gone}, {back})')
    rng = random.Random(20261203)
    for _ in range(400):
        bench.scanner.queue_in(0x81, bytes(rng.randrange(256) if i != 1 else 0 for i in range(8)))
    bench.scanner.queue_in(0x81, bytes(8))
    overlong = b'A' * 4200
    invalid = b'\xff\xfeAB\xc0\x80'

    def pos_raw(data):
        chunks = [data[i:i + 56] for i in range(0, len(data), 56)]
        out = []
        for index, chunk in enumerate(chunks):
            report = bytearray(64)
            report[0], report[1] = 2, len(chunk)
            report[2:5] = b']Q1'
            report[5:5 + len(chunk)] = chunk
            report[61] = 0x31
            report[63] = 1 if index < len(chunks) - 1 else 0
            out.append(bytes(report))
        return out
    for r in pos_raw(overlong) + pos_raw(invalid) + pos_raw(links[0].encode()):
        bench.pos2.queue_in(0x84, r)
    deadline = time.time() + 60
    rows = []
    while time.time() < deadline and daemon.poll() is None:
        rows = rows_after(0, timeout=1)
        if any(s == 'pos' and raw.decode(errors='replace') == links[0] and o.startswith('accepted') for s, raw, o in rows):
            break
        time.sleep(0.3)
    log = stop(daemon)
    c.check(len(before) >= 1 and before[0][0] == 'kb' and before[0][1].decode() == links[1] and before[0][2].startswith('accepted')
            and len(after) >= 2 and after[1][0] == 'kb' and after[1][1].decode() == links[2] and after[1][2].startswith('accepted'),
            f'hotplug: a scan before and one after unplugging and re-plugging the scanner, no restart ({[(s, o[:20]) for s, _, o in after[:2]]})')
    c.check('scanner disconnected' in log and log.count('scanner connected') >= 2,
            'hotplug: the daemon says the scanner was disconnected and connected again'
            + ('' if 'scanner disconnected' in log else '\n' + log[-2000:]))
    rejected = [o for s, raw, o in rows if o.startswith('rejected')]
    c.check(any('longer than 4096' in o for o in rejected) and any('UTF-8' in o for o in rejected),
            f'garbage: an overlong scan and one that is not UTF-8 are rejected with their reasons ({len(rejected)} rejections)')
    c.check(any(s == 'pos' and raw.decode(errors='replace') == links[0] and o.startswith('accepted') for s, raw, o in rows),
            'garbage: after 400 random reports and the bad scans, a good scan is still read')
    c.check(daemon.returncode == 0, f'garbage: the daemon never crashed and stopped cleanly (rc {daemon.returncode})'
            + ('' if daemon.returncode == 0 else '\n' + log[-3000:]))


def main(argv):
    if not argv:
        print(__doc__)
        return 2
    binary, modes = os.path.abspath(argv[0]), argv[1:] or ['printer', 'scanners']
    c = uh.Checker()
    for mode in modes:
        {'printer': printer_checks, 'scanners': scanner_checks}[mode](binary, c)
    print(f'{c.passed} passed, {c.failed} failed', flush=True)
    return 1 if c.failed else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
