#!/usr/bin/python3
"""hid_wedge_peer.py - the peer of `station-bench scanners`: a plain Python keyboard-wedge reader.

    /usr/bin/python3 hid_wedge_peer.py REPORTS.bin DB.sqlite

REPORTS.bin is a stream of 8-byte HID boot-keyboard reports (HID 1.11 appendix B.1), the same
stream the benchmark feeds the station's decoder. Each key press is turned into a character with
a US table of its own (HID Usage Tables, keyboard page 0x07); Enter ends a scan, which is then
committed to SQLite (WAL, synchronous=FULL) as one row in its own transaction: the least a durable
scan logger does (no GS1 parsing, no authenticity check, no EPCIS event).

Prints JSON: scans, p50/p99/max latency in seconds from the report that completed a scan to its
commit returning, and throughput in scans/s over the whole stream.
"""
import json
import math
import sqlite3
import sys
import time

LSHIFT, RSHIFT = 0x02, 0x20


def us_table():
    table = {0x2C: (' ', ' ')}
    for i, c in enumerate('abcdefghijklmnopqrstuvwxyz'):
        table[0x04 + i] = (c, c.upper())
    for i, (plain, shifted) in enumerate(zip('1234567890', '!@#$%^&*()')):
        table[0x1E + i] = (plain, shifted)
    for usage, plain, shifted in [(0x2D, '-', '_'), (0x2E, '=', '+'), (0x2F, '[', '{'), (0x30, ']', '}'),
                                  (0x31, '\\', '|'), (0x33, ';', ':'), (0x34, "'", '"'), (0x35, '`', '~'),
                                  (0x36, ',', '<'), (0x37, '.', '>'), (0x38, '/', '?')]:
        table[usage] = (plain, shifted)
    return table


def main(reports_path, db_path):
    data = open(reports_path, 'rb').read()
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute('PRAGMA journal_mode=WAL')
    db.execute('PRAGMA synchronous=FULL')
    db.execute('CREATE TABLE scans(id INTEGER PRIMARY KEY, received_at REAL NOT NULL, raw BLOB NOT NULL)')
    table = us_table()
    line, pressed, latencies = [], set(), []
    start = time.perf_counter()
    for offset in range(0, len(data) - 7, 8):
        t0 = time.perf_counter()
        report = data[offset:offset + 8]
        modifiers, keys = report[0], {k for k in report[2:8] if k}
        for usage in keys - pressed:                 # keys that went down in this report
            if usage == 0x28:                        # Enter: the scan is complete
                db.execute('BEGIN')
                db.execute('INSERT INTO scans(received_at, raw) VALUES (?, ?)', (time.time(), ''.join(line).encode()))
                db.execute('COMMIT')
                latencies.append(time.perf_counter() - t0)
                line = []
            elif usage == 0x30 and modifiers & 0x11:  # Ctrl+] = GS
                line.append('\x1d')
            elif usage in table:
                line.append(table[usage][1 if modifiers & (LSHIFT | RSHIFT) else 0])
        pressed = keys
    total = time.perf_counter() - start
    latencies.sort()

    def pct(p):
        if not latencies:
            return float('nan')
        return latencies[min(len(latencies) - 1, max(0, math.ceil(len(latencies) * p) - 1))]

    print(json.dumps({'scans': len(latencies), 'p50': pct(0.5), 'p99': pct(0.99), 'max': latencies[-1] if latencies else 0,
                      'throughput': len(latencies) / total if total else 0}))


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
