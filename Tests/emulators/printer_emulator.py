#!/usr/bin/env python3
"""printer_emulator.py - a raw-TCP (port 9100 style) label printer on 127.0.0.1, for tests and demos.

    python3 Tests/emulators/printer_emulator.py --language zpl --port 0 --output /tmp/labels

Stdout, line 1: the port the printer listens on (useful with --port 0).
Stdout, line 2: "control <port>": a line-based control socket (see CONTROL below).

It speaks enough of each language to be driven like the real thing:

ZPL      splits the stream into ^XA...^XZ formats and "prints" each (saves its exact bytes as
         NNNNNN.zpl in --output); answers ~HS with the three <STX>...<ETX><CR><LF> lines of the
         ZPL II Programming Guide and ~HQES with the Link-OS ERRORS/WARNINGS bit groups; obeys
         ~PP (pause), ~PS (resume) and ~JA (cancel all). Tilde commands are acted on wherever
         they appear, as on a real printer, and are not part of the saved label.
ESC/POS  parses commands (so raster data that happens to contain 1D 56 or 10 04 is not
         mistaken for a command), splits jobs after each cut (GS V, ESC i, ESC m) and saves
         them as NNNNNN.bin; answers DLE EOT 1..4 with the status bytes of the Epson ESC/POS
         reference (0xx1xx10). Real-time commands are not part of the saved job.

Faults stop printing: received labels wait in the buffer (counted in ~HS "formats in buffer")
and print, in order, once the fault is cleared - as a real printer does.

Scripting (flags set the initial state; the control socket changes it at run time):
  --paper-out-after N    paper runs out after N more labels print
  --near-end-at N        report paper near end when N or fewer labels of paper are left
  --head-open / --ribbon-out / --paused / --hardware-error   start in that fault
  --silent-when-faulted  send no status at all while faulted (some Zebra firmware)
  --drop-after N         after N labels were received, reset the connection once
                         --drop-bytes bytes (default 64) of the next label have arrived
  --stall-after BYTES    stop reading after BYTES bytes (a printer whose buffer is full)
  --slow BYTES_PER_SEC   read the stream at this rate
  --print-ms MS          time to print one label (labels queue meanwhile)
  --no-hqes              ignore ~HQES (firmware before Link-OS)
  --answer 1,2,4         ESC/POS: answer only these DLE EOT functions
  SIGUSR1                clears all faults (like opening and closing the head after loading paper)

CONTROL (one command per line, one JSON line back):
  stats                               counters and state
  set KEY VALUE                       paper_out, head_open, ribbon_out, paused, hardware_error,
                                      silent, slow, stall_after, print_ms, hqes, answer
  clear                               clear every fault; printing of buffered labels resumes
  paper-out-after N | drop-after N [BYTES]
  disconnect                          close every printer connection (as a printer does when idle)
  wait-printed N [SECONDS]            reply once N labels have printed (or on timeout: "ok": false)
  quit
"""
import argparse
import collections
import json
import os
import signal
import socket
import struct
import sys
import threading
import time

STX, ETX = b'\x02', b'\x03'


class Printer:
    """State shared by all connections; every field is guarded by `lock`."""

    def __init__(self, args):
        self.lock = threading.Condition()
        self.language = args.language
        self.output = args.output
        self.paper_out = False
        self.head_open = args.head_open
        self.ribbon_out = args.ribbon_out
        self.paused = args.paused
        self.hardware_error = args.hardware_error
        self.silent_when_faulted = args.silent_when_faulted
        self.paper_left = args.paper_out_after
        self.near_end_at = args.near_end_at
        self.drop_after = args.drop_after
        self.drop_bytes = args.drop_bytes
        self.stall_after = args.stall_after
        self.slow = args.slow
        self.print_ms = args.print_ms
        self.hqes = not args.no_hqes
        self.answer = set(int(x) for x in args.answer.split(',') if x)
        self.queue = collections.deque()
        self.received = 0
        self.printed = 0
        self.bytes = 0
        self.status_queries = 0
        self.connections = 0
        self.open = set()
        self.dropped = []
        if self.paper_left == 0:
            self.paper_out = True
        if self.output:
            os.makedirs(self.output, exist_ok=True)

    # ---- state (call with lock held)
    def faulted(self):
        return self.paper_out or self.head_open or self.ribbon_out or self.hardware_error

    def can_print(self):
        return not self.faulted() and not self.paused

    def silent(self):
        return self.silent_when_faulted and self.faulted()

    def drop_armed(self):
        return self.drop_after is not None and self.received >= self.drop_after

    def stalled(self):
        return self.stall_after is not None and self.bytes >= self.stall_after

    def near_end(self):
        return self.paper_left is not None and 0 < self.paper_left <= self.near_end_at

    def accept_label(self, data):
        self.received += 1
        self.queue.append(bytes(data))
        self.drain()
        self.lock.notify_all()

    def drain(self):
        """Prints what can be printed now (the engine thread does it when --print-ms is set)."""
        while self.print_ms == 0 and self.queue and self.can_print():
            self.print_one()

    def print_one(self):
        data = self.queue.popleft()
        self.printed += 1
        if self.output:
            ext = 'zpl' if self.language == 'zpl' else 'bin'
            with open(os.path.join(self.output, f'{self.printed:06d}.{ext}'), 'wb') as f:
                f.write(data)
        if self.paper_left is not None:
            self.paper_left -= 1
            if self.paper_left <= 0:
                self.paper_out = True
        self.lock.notify_all()

    def clear(self):
        self.paper_out = self.head_open = self.ribbon_out = self.paused = self.hardware_error = False
        self.paper_left = None
        self.stall_after = None
        self.drain()
        self.lock.notify_all()

    def stats(self):
        return {'language': self.language, 'received': self.received, 'printed': self.printed,
                'queued': len(self.queue), 'bytes': self.bytes, 'status_queries': self.status_queries,
                'connections': self.connections, 'open_connections': len(self.open),
                'dropped': self.dropped, 'paper_left': self.paper_left,
                'faults': {'paper_out': self.paper_out, 'head_open': self.head_open, 'ribbon_out': self.ribbon_out,
                           'paused': self.paused, 'hardware_error': self.hardware_error}}

    # ---- replies (call with lock held)
    def host_status(self, partial):
        """~HS: ZPL II Programming Guide, ~HS Host Status Return (strings 1-3)."""
        s1 = '030,%d,%d,1245,%03d,%d,0,%d,000,0,0,0' % (self.paper_out, self.paused, min(len(self.queue), 999),
                                                       1 if self.stalled() else 0, 1 if partial else 0)
        s2 = '001,0,%d,%d,0,2,6,0,%08d,1,000' % (self.head_open, self.ribbon_out, 0)
        s3 = '1234,0'
        return b''.join(STX + s.encode() + ETX + b'\r\n' for s in (s1, s2, s3))

    def host_query_es(self):
        """~HQES: ZPL II Programming Guide, ~HQ, error and warning flags (group 1)."""
        errors = (0x1 if self.paper_out else 0) | (0x2 if self.ribbon_out else 0) | (0x4 if self.head_open else 0) \
            | (0x8 if self.hardware_error else 0) | (0x10000 if self.paused else 0)
        warnings = 0x8 if self.near_end() else 0
        body = ('\r\nPRINTER STATUS\r\n   ERRORS:         %d 00000000 %08X\r\n   WARNINGS:       %d 00000000 %08X\r\n'
                % (1 if errors else 0, errors, 1 if warnings else 0, warnings))
        return STX + body.encode() + ETX + b'\r\n'

    def realtime_status(self, n):
        """DLE EOT n: Epson ESC/POS reference, transmit real-time status (fixed bits 0xx1xx10)."""
        offline = self.faulted() or self.paused
        if n == 1:
            return 0x12 | (0x08 if offline else 0)
        if n == 2:
            return 0x12 | (0x04 if self.head_open else 0) | (0x20 if self.paper_out else 0) \
                | (0x40 if self.hardware_error else 0)
        if n == 3:
            return 0x12 | (0x08 if self.hardware_error else 0)
        return 0x12 | (0x0C if self.near_end() else 0) | (0x60 if self.paper_out else 0)


class ZPLStream:
    """One connection's ZPL parser: formats between ^XA and ^XZ, tilde commands anywhere."""
    TILDE = (b'~HQES', b'~HS', b'~PS', b'~PP', b'~JA')

    def __init__(self, printer, send):
        self.p, self.send = printer, send
        self.pending = b''
        self.label = None

    def job_length(self):
        return None if self.label is None else len(self.label)

    def tilde(self, cmd):
        p = self.p
        if cmd in (b'~HS', b'~HQES'):
            p.status_queries += 1
            if p.silent():
                return
            if cmd == b'~HS':
                self.send(p.host_status(self.label is not None))
            elif p.hqes:
                self.send(p.host_query_es())
        elif cmd == b'~PP':
            p.paused = True
        elif cmd == b'~PS':
            p.paused = False
            p.drain()
        elif cmd == b'~JA':
            p.queue.clear()

    def feed(self, data):
        buf = self.pending + data
        i, n = 0, len(buf)
        while i < n:
            if buf[i] == 0x7E:
                rest = buf[i:i + 5]
                cmd = next((c for c in self.TILDE if rest.startswith(c)), None)
                if cmd:
                    with self.p.lock:
                        self.tilde(cmd)
                    i += len(cmd)
                    continue
                if n - i < 5 and any(c.startswith(rest) for c in self.TILDE):
                    break                      # a command split across reads: wait for the rest
                if self.label is not None:
                    self.label.append(0x7E)    # an unknown tilde command is data here
                i += 1
                continue
            tilde = buf.find(b'~', i)
            tilde = n if tilde < 0 else tilde
            if self.label is None:
                start = buf.find(b'^XA', i, tilde)
                if start >= 0:
                    self.label = bytearray(b'^XA')
                    i = start + 3
                elif tilde < n:
                    i = tilde
                else:
                    i = max(i, n - 2)          # keep a possible "^X" for the next read
                    break
            else:
                end = buf.find(b'^XZ', i, tilde)
                if end >= 0:
                    self.label += buf[i:end + 3]
                    i = end + 3
                    with self.p.lock:
                        self.p.accept_label(self.label)
                    self.label = None
                elif tilde < n:
                    self.label += buf[i:tilde]
                    i = tilde
                else:
                    keep = max(i, n - 2)
                    self.label += buf[i:keep]
                    i = keep
                    break
        self.pending = buf[i:]


def escpos_length(b, i):
    """Length of the ESC/POS command at b[i], or None when more bytes are needed."""
    n = len(b)

    def need(k):
        return i + k <= n

    c = b[i]
    if c >= 0x20:
        j = i
        while j < n and b[j] >= 0x20:
            j += 1
        return j - i
    if c == 0x10:                                   # DLE EOT n, DLE ENQ n, DLE DC4 fn m t
        if not need(3):
            return None
        return 5 if b[i + 1] == 0x14 and b[i + 2] in (1, 2) else 3
    if c not in (0x1B, 0x1D, 0x1C):
        return 1                                    # LF, CR, HT, FF, CAN, ...
    if not need(2):
        return None
    k = b[i + 1]
    if c == 0x1B:                                   # ESC
        if k in b'@2<im':
            return 2
        if k in b'aEMdJ!-3tRGV{U rKe':
            return 3
        if k in b'$\\':
            return 4
        if k == ord('c'):
            return 4
        if k == ord('p'):
            return 5
        if k == ord('*'):
            if not need(5):
                return None
            dots = b[i + 3] | b[i + 4] << 8
            return 5 + dots * (3 if b[i + 2] in (32, 33) else 1)
        if k == ord('D'):
            end = b.find(b'\x00', i + 2)
            return None if end < 0 else end - i + 1
        return 2
    if c == 0x1D:                                   # GS
        if k == ord('v'):                           # GS v 0 m xL xH yL yH d1...dk
            if not need(8):
                return None
            return 8 + (b[i + 4] | b[i + 5] << 8) * (b[i + 6] | b[i + 7] << 8)
        if k == ord('('):                           # GS ( fn pL pH ...
            if not need(5):
                return None
            return 5 + (b[i + 3] | b[i + 4] << 8)
        if k == ord('8'):                           # GS 8 L p1 p2 p3 p4 ...
            if not need(7):
                return None
            return 7 + (b[i + 3] | b[i + 4] << 8 | b[i + 5] << 16 | b[i + 6] << 24)
        if k == ord('k'):                           # GS k m ...
            if not need(3):
                return None
            if b[i + 2] <= 6:
                end = b.find(b'\x00', i + 3)
                return None if end < 0 else end - i + 1
            if not need(4):
                return None
            return 4 + b[i + 3]
        if k == ord('V'):                           # GS V m [n]
            if not need(3):
                return None
            return 3 if b[i + 2] in (0, 1, 48, 49) else 4
        if k == ord('*'):
            if not need(4):
                return None
            return 4 + b[i + 2] * b[i + 3] * 8
        if k in b'LWP$\\':
            return 4
        return 3
    if k == ord('('):                               # FS ( fn pL pH ...
        if not need(5):
            return None
        return 5 + (b[i + 3] | b[i + 4] << 8)
    if k in b'pS':
        return 4
    if k in b'!-C':
        return 3
    return 2


class ESCPOSStream:
    """One connection's ESC/POS parser: jobs end at a cut; DLE EOT answered at once."""

    def __init__(self, printer, send):
        self.p, self.send = printer, send
        self.pending = b''
        self.job = bytearray()

    def job_length(self):
        return len(self.job) if self.job else None

    def feed(self, data):
        buf = self.pending + data
        i = 0
        while i < len(buf):
            length = escpos_length(buf, i)
            if length is None or i + length > len(buf):
                break
            cmd = buf[i:i + length]
            i += length
            if cmd[0] == 0x10 and cmd[1] == 0x04:
                with self.p.lock:
                    self.p.status_queries += 1
                    if not self.p.silent() and cmd[2] in self.p.answer and 1 <= cmd[2] <= 4:
                        self.send(bytes([self.p.realtime_status(cmd[2])]))
                continue
            if cmd[0] == 0x10:
                continue                             # other real-time commands: not part of a job
            self.job += cmd
            if (cmd[0] == 0x1D and cmd[1] == 0x56) or (cmd[0] == 0x1B and cmd[1] in b'im'):
                with self.p.lock:
                    self.p.accept_label(self.job)
                self.job = bytearray()
        self.pending = buf[i:]


class Emulator:
    def __init__(self, args):
        self.args = args
        self.printer = Printer(args)
        self.stopping = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if args.slow or args.stall_after is not None or args.drop_after is not None:
            # A small window, like a real printer's: the sender feels the printer's pace, and a
            # reset mid-label catches most of the label still on the sender's side.
            self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.listener.bind(('127.0.0.1', args.port))
        self.listener.listen(8)
        self.control = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.control.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.control.bind(('127.0.0.1', args.control_port))
        self.control.listen(8)

    # ---- printer connections
    def serve(self, conn):
        p = self.printer
        lock = threading.Lock()

        def send(data):
            with lock:
                try:
                    conn.sendall(data)
                except OSError:
                    pass

        stream = ZPLStream(p, send) if p.language == 'zpl' else ESCPOSStream(p, send)
        with p.lock:
            p.connections += 1
            p.open.add(conn)
        try:
            while not self.stopping.is_set():
                with p.lock:
                    stalled, slow, armed = p.stalled(), p.slow, p.drop_armed()
                    drop_bytes = p.drop_bytes
                if stalled:
                    time.sleep(0.02)
                    continue
                size = 65536
                if slow:
                    size = max(1, slow // 50)
                if armed:
                    have = stream.job_length()
                    size = 1 if have is None else max(1, min(size, drop_bytes - have))
                try:
                    conn.settimeout(0.2)
                    data = conn.recv(size)
                except socket.timeout:
                    continue
                except OSError:
                    break
                if not data:
                    break
                # Acknowledge each segment at once, as embedded printer stacks do (Linux would
                # delay the ACK by up to 40 ms once the connection carries replies).
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
                with p.lock:
                    p.bytes += len(data)
                stream.feed(data)
                if armed:
                    have = stream.job_length()
                    if have is not None and have >= drop_bytes:
                        self.drop(conn, stream)
                        return
                if slow:
                    time.sleep(0.02)
        finally:
            with p.lock:
                p.open.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def drop(self, conn, stream):
        """Resets the connection mid-label: the bytes received so far are kept as dropped-NNN."""
        p = self.printer
        partial = bytes(stream.label if isinstance(stream, ZPLStream) else stream.job)
        with p.lock:
            p.dropped.append(len(partial))
            p.drop_after = None
            index = len(p.dropped)
            p.open.discard(conn)
        if p.output:
            with open(os.path.join(p.output, f'dropped-{index:03d}.{"zpl" if p.language == "zpl" else "bin"}'), 'wb') as f:
                f.write(partial)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        conn.close()

    def engine(self):
        """Prints queued labels at --print-ms per label (only used when --print-ms > 0)."""
        p = self.printer
        while not self.stopping.is_set():
            with p.lock:
                while not (p.print_ms and p.queue and p.can_print()) and not self.stopping.is_set():
                    p.lock.wait(0.2)
                if self.stopping.is_set():
                    return
                delay = p.print_ms / 1000.0
            time.sleep(delay)
            with p.lock:
                if p.queue and p.can_print():
                    p.print_one()

    # ---- control
    def command(self, line):
        p = self.printer
        words = line.split()
        if not words:
            return {'ok': False, 'error': 'empty command'}
        verb, rest = words[0], words[1:]
        with p.lock:
            if verb == 'stats':
                return dict(ok=True, **p.stats())
            if verb == 'clear':
                p.clear()
                return dict(ok=True, **p.stats())
            if verb == 'set' and len(rest) == 2:
                key, value = rest
                flags = {'paper_out', 'head_open', 'ribbon_out', 'paused', 'hardware_error'}
                if key in flags:
                    setattr(p, key, value not in ('0', 'false', 'off'))
                elif key == 'silent':
                    p.silent_when_faulted = value not in ('0', 'false', 'off')
                elif key == 'hqes':
                    p.hqes = value not in ('0', 'false', 'off')
                elif key in ('slow', 'print_ms'):
                    setattr(p, key, int(value))
                elif key == 'stall_after':
                    p.stall_after = None if int(value) < 0 else int(value)
                elif key == 'answer':
                    p.answer = set(int(x) for x in value.split(',') if x)
                else:
                    return {'ok': False, 'error': f'unknown key {key}'}
                p.drain()
                p.lock.notify_all()
                return dict(ok=True, **p.stats())
            if verb == 'paper-out-after' and len(rest) == 1:
                p.paper_left = int(rest[0])
                p.paper_out = p.paper_left <= 0
                return dict(ok=True, **p.stats())
            if verb == 'drop-after' and len(rest) in (1, 2):
                p.drop_after = p.received + int(rest[0])
                if len(rest) == 2:
                    p.drop_bytes = int(rest[1])
                return dict(ok=True, **p.stats())
            if verb == 'disconnect':
                for conn in list(p.open):
                    try:
                        conn.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                return dict(ok=True, **p.stats())
            if verb == 'wait-printed' and len(rest) in (1, 2):
                deadline = time.time() + (float(rest[1]) if len(rest) == 2 else 5.0)
                while p.printed < int(rest[0]) and time.time() < deadline:
                    p.lock.wait(max(0.0, min(0.2, deadline - time.time())))
                return dict(p.stats(), ok=p.printed >= int(rest[0]))
            if verb == 'quit':
                self.stopping.set()
                return {'ok': True}
        return {'ok': False, 'error': f'unknown command: {line.strip()}'}

    def serve_control(self, conn):
        with conn, conn.makefile('rwb') as f:
            for raw in f:
                try:
                    reply = self.command(raw.decode('utf-8', 'replace'))
                except (ValueError, TypeError) as e:
                    reply = {'ok': False, 'error': str(e)}
                f.write(json.dumps(reply, sort_keys=True).encode() + b'\n')
                f.flush()
                if self.stopping.is_set():
                    break
        if self.stopping.is_set():
            self.wake()

    def wake(self):
        """Unblocks the accept loop after `quit`."""
        try:
            socket.create_connection(('127.0.0.1', self.listener.getsockname()[1]), timeout=1).close()
        except OSError:
            pass

    def accept_control(self):
        while not self.stopping.is_set():
            try:
                conn, _ = self.control.accept()
            except OSError:
                return
            threading.Thread(target=self.serve_control, args=(conn,), daemon=True).start()

    def run(self):
        print(self.listener.getsockname()[1], flush=True)
        print('control', self.control.getsockname()[1], flush=True)
        threading.Thread(target=self.accept_control, daemon=True).start()
        threading.Thread(target=self.engine, daemon=True).start()
        # Python runs signal handlers on the main thread only, and a signal delivered to another
        # thread does not interrupt accept(): wake up regularly to notice SIGTERM and `quit`.
        self.listener.settimeout(0.2)
        parent = os.getppid()
        while not self.stopping.is_set():
            if os.getppid() != parent:
                break                          # whoever started us is gone: do not linger
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            conn.settimeout(None)
            if self.stopping.is_set():
                conn.close()
                break
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.serve, args=(conn,), daemon=True).start()


def main(argv):
    ap = argparse.ArgumentParser(description='Raw-TCP label printer emulator (ZPL, ESC/POS).')
    ap.add_argument('--language', choices=('zpl', 'escpos'), default='zpl')
    ap.add_argument('--port', type=int, default=0, help='printer port (0: any; printed on the first line)')
    ap.add_argument('--control-port', type=int, default=0)
    ap.add_argument('--output', help='folder for received labels (NNNNNN.zpl|bin, dropped-NNN.*)')
    ap.add_argument('--paper-out-after', type=int)
    ap.add_argument('--near-end-at', type=int, default=0)
    ap.add_argument('--head-open', action='store_true')
    ap.add_argument('--ribbon-out', action='store_true')
    ap.add_argument('--paused', action='store_true')
    ap.add_argument('--hardware-error', action='store_true')
    ap.add_argument('--silent-when-faulted', action='store_true')
    ap.add_argument('--drop-after', type=int)
    ap.add_argument('--drop-bytes', type=int, default=64)
    ap.add_argument('--stall-after', type=int)
    ap.add_argument('--slow', type=int, default=0)
    ap.add_argument('--print-ms', type=int, default=0)
    ap.add_argument('--no-hqes', action='store_true')
    ap.add_argument('--answer', default='1,2,3,4')
    args = ap.parse_args(argv)
    emulator = Emulator(args)

    def clear(signum, frame):
        with emulator.printer.lock:
            emulator.printer.clear()

    def stop(signum, frame):
        emulator.stopping.set()

    # A launcher may start us from a thread that blocks signals (libdispatch workers do), and
    # the mask is inherited: unblock the ones we act on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1, signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGUSR1, clear)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    emulator.run()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
