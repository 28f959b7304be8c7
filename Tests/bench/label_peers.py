"""Peers of the station's label generation, timed on the same labels in the same run.

Reads a JSON list of label data (digital link, product, lot, expiry, serial, producer) on stdin
and prints one JSON object of figures:

- `zpl_native`: native ZPL (^BQ QR + ^A0 text) from a Python f-string template, the way most
  Python code writes ZPL, labels/s and bytes per label;
- `escpos_native`: python-escpos (Dummy printer) with its native QR (GS ( k) and text, labels/s;
- `escpos_raster`: python-escpos printing a 50x30 mm 203 dpi label drawn with Pillow (the QR as
  an image from the `qrcode` package python-escpos uses, text in DejaVu Sans), labels/s;
- `qrencode_cli`: the `qrencode` command line tool writing the same QR as a PNG, one process per
  label, labels/s.

A peer whose library is missing reports {"skipped": reason}. Single-threaded, like the station's
figures.
"""

import contextlib
import io
import json
import shutil
import subprocess
import sys
import time


def timed(fn, labels, limit_seconds=10.0):
    """Runs fn over the labels (cycling) for at most limit_seconds; returns (labels/s, mean bytes)."""
    start = time.perf_counter()
    total_bytes = 0
    n = 0
    while n < len(labels):
        total_bytes += len(fn(labels[n]))
        n += 1
        if time.perf_counter() - start > limit_seconds:
            break
    elapsed = time.perf_counter() - start
    return {"labels": n, "labels_per_second": n / elapsed, "bytes_per_label": total_bytes / max(n, 1)}


def zpl_fstring(d):
    return (
        "^XA^CI28^PW400^LL240^LH0,0"
        f"^FO32,38^BQN,2,4^FDMA,{d['link']}^FS"
        f"^FO220,20^A0N,23,23^FB172,2,0,L,0^FD{d['product']}^FS"
        f"^FO220,80^A0N,18,18^FB172,1,0,L,0^FDLo {d['lot']}^FS"
        f"^FO220,104^A0N,18,18^FB172,1,0,L,0^FDHSD {d['expiry']}^FS"
        f"^FO220,129^A0N,20,20^FB172,1,0,L,0^FD{d['serial']}^FS"
        f"^FO220,168^A0N,14,14^FB172,1,0,L,0^FD{d['producer']}^FS^XZ"
    ).encode("utf-8")


def main():
    labels = json.load(sys.stdin)
    out = {"zpl_native": timed(zpl_fstring, labels)}

    try:
        from escpos.printer import Dummy

        def escpos_native(d):
            p = Dummy()
            p.qr(d["link"], size=4, native=True)
            p.text(f"{d['product']}\nLo {d['lot']}  HSD {d['expiry']}\n{d['serial']}\n{d['producer']}\n")
            p.cut()
            return p.output

        out["escpos_native"] = timed(escpos_native, labels)
    except ImportError as e:
        out["escpos_native"] = {"skipped": f"python-escpos not installed ({e})"}

    try:
        from escpos.printer import Dummy
        from PIL import Image, ImageDraw, ImageFont
        import qrcode

        font_path = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
        big = ImageFont.truetype(font_path, 22)
        small = ImageFont.truetype(font_path, 16)

        def escpos_raster(d):
            img = Image.new("1", (400, 240), 1)
            q = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=4, border=0)
            q.add_data(d["link"])
            img.paste(q.make_image().convert("1"), (32, 38))
            draw = ImageDraw.Draw(img)
            draw.text((220, 20), d["product"], font=big, fill=0)
            draw.text((220, 80), f"Lô {d['lot']}", font=small, fill=0)
            draw.text((220, 104), f"HSD {d['expiry']}", font=small, fill=0)
            draw.text((220, 129), d["serial"], font=small, fill=0)
            draw.text((220, 168), d["producer"], font=small, fill=0)
            p = Dummy()
            p.image(img, impl="bitImageRaster")
            p.cut()
            return p.output

        out["escpos_raster"] = timed(escpos_raster, labels, limit_seconds=10.0)
    except ImportError as e:
        out["escpos_raster"] = {"skipped": f"python-escpos/Pillow/qrcode not installed ({e})"}

    qrencode = shutil.which("qrencode")
    if qrencode:
        def cli(d):
            r = subprocess.run([qrencode, "-o", "-", "-t", "PNG", "-l", "M", d["link"]], capture_output=True, check=True)
            return r.stdout

        out["qrencode_cli"] = timed(cli, labels[:2000], limit_seconds=10.0)
    else:
        out["qrencode_cli"] = {"skipped": "qrencode not installed (Debian qrencode)"}
    return out


if __name__ == "__main__":
    # python-escpos prints its warnings (e.g. a profile without media width) on stdout: keep them
    # on stderr so stdout carries only the figures.
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        figures = main()
    json.dump(figures, real_stdout)
