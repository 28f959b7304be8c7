#!/usr/bin/env python3
"""Writes the committed seed corpus of the fuzz targets (Tests/Fuzz/Corpus/<target>/).

Seeds are well-formed inputs of each parser, taken from the specifications the tests cite, plus
a few near misses; libFuzzer mutates them. Run again after changing it: `python3 make_seeds.py`.
Images come from the photo corpus (Tests/PhotoTests/PhotoCorpus), shrunk to fit the targets'
limits with Pillow if it is installed, else copied as they are when small enough.
"""
import hashlib
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CORPUS = os.path.join(HERE, "Corpus")
GS = "\x1d"


def write(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()[:16]
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def gs1():
    for s in [
        "01089385123450171726031310MD250314A" + GS + "21K7QM2X9PA4",
        "]C101089385123450171726031310MD250314A" + GS + "21K7QM2X9PA4",
        "(01)08938512345017(17)260313(10)MD250314A(21)K7QM2X9PA4",
        "(00)389385123400000011",
        "0108938512345017112503141726031310MD250314A",
        "414893851234000525 4LINE01".replace(" ", ""),
        "8938512345017",
        "{GS}".join(["0108938512345017", "21ABC"]),
        "01089385123450171726133110X",
        "(01)08938512345017(92)ATSR9H4L(21)8UTEXHETV4",
    ]:
        write("FuzzGS1", s)


def digital_link():
    for s in [
        "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313",
        "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/8UTEXHETV4?17=260313&92=ATSR9H4L",
        "https://id.gs1.org/01/08938512345017/21/K7QM2X9PA4",
        "https://example.com/some/prefix/01/8938512345017/10/A%2FB%3F/21/x%25y?17=260313&linkType=gs1:pip",
        "https://id.gs1.org/00/389385123400000011",
        "https://id.gs1.org/414/8938512340005/254/LINE01",
        "https://txng.hue.gov.vn/01/08938512345024/21/ZZZZ?3103=000500&11=250314",
        "http://a/01/08938512345017?",
        "HTTPS://TXNG.BACKAN.GOV.VN/01/08938512345017",
    ]:
        write("FuzzDigitalLink", s)


# HID usage IDs (page 0x07) of the US layout: (usage, shift).
def us_key(c):
    if "a" <= c <= "z":
        return 0x04 + ord(c) - ord("a"), False
    if "A" <= c <= "Z":
        return 0x04 + ord(c) - ord("A"), True
    if "1" <= c <= "9":
        return 0x1E + ord(c) - ord("1"), False
    plain = {"0": 0x27, "\r": 0x28, "\t": 0x2B, " ": 0x2C, "-": 0x2D, "=": 0x2E, "[": 0x2F, "]": 0x30,
             ";": 0x33, "'": 0x34, ",": 0x36, ".": 0x37, "/": 0x38}
    shifted = {"?": 0x38, ":": 0x33, "%": 0x22, "&": 0x24, "_": 0x2D, "+": 0x2E, "(": 0x26, ")": 0x27}
    if c in plain:
        return plain[c], False
    if c in shifted:
        return shifted[c], True
    raise KeyError(c)


def keyboard_reports(text):
    out = b""
    for c in text:
        if c == GS:
            out += bytes([0x01, 0, 0x30, 0, 0, 0, 0, 0])  # Ctrl+]
        else:
            usage, shift = us_key(c)
            out += bytes([0x02 if shift else 0, 0, usage, 0, 0, 0, 0, 0])
        out += bytes(8)  # release
    return out


def hid_pos_reports(data):
    """Reports of the common HID POS layout: [length, AIM symbology 3 bytes, data 56 bytes, ..., continued]."""
    out = b""
    chunks = [data[i:i + 56] for i in range(0, len(data), 56)] or [b""]
    for i, chunk in enumerate(chunks):
        rep = bytearray(64)
        rep[0] = len(chunk)
        rep[1:4] = b"]Q1"
        rep[4:4 + len(chunk)] = chunk
        rep[63] = 1 if i < len(chunks) - 1 else 0
        out += bytes(rep)
    return out


def hid():
    link = "https://txng.backan.gov.vn/01/08938512345017/10/MD250314A/21/K7QM2X9PA4?17=260313\r"
    element = "]d201089385123450171726031310MD250314A" + GS + "21K7QM2X9PA4\r"
    # Selector byte: bit 5 set = 8-byte reports (keyboard), clear = 64-byte reports (HID POS).
    write("FuzzHIDReports", bytes([0x20]) + keyboard_reports(link))
    write("FuzzHIDReports", bytes([0x21]) + keyboard_reports(element))
    write("FuzzHIDReports", bytes([0x28]) + keyboard_reports("CODE4"))
    write("FuzzHIDReports", bytes([0x00]) + hid_pos_reports(link.encode()))
    write("FuzzHIDReports", bytes([0x10]) + hid_pos_reports(element.encode()))


def frame(s):
    return b"\x02" + s.encode() + b"\x03\r\n"


def status():
    ready2 = "001,0,0,0,1,2,6,0,00000000,1,000"
    hs = lambda a, b=ready2, c="1234,0": frame(a) + frame(b) + frame(c)
    hq = lambda e, w: b"\x02" + ("\r\nPRINTER STATUS\r\n   ERRORS:         %s\r\n   WARNINGS:       %s\r\n" % (e, w)).encode() + b"\x03\r\n"
    for sel, data in [
        (0, hs("030,0,0,1245,000,0,0,0,000,0,0,0")),
        (0, hs("030,1,1,1245,000,0,0,0,000,0,0,0")),
        (0, hs("030,0,0,1245,000,0,0,0,000,0,0,0", "001,0,1,1,1,2,6,0,00000042,1,000")),
        (0, hs("030,0,0,1245,000,0,0,0,000,0,0,0") + hq("1 00000000 00000003", "0 00000000 00000000")),
        (0, hq("0 00000000 00000000", "1 00000000 00000002")),
        (0, b"noise" + hs("030,0,0,1245,003,1,0,1,000,0,0,0")),
        (3, bytes([0x16, 0x12, 0x72, 0x12])),   # DLE EOT 1..4 answers: paper near end and end
        (0, bytes([0x16])),
        (1, bytes([0x16, 0x36])),
        (2, bytes([0x16, 0x12, 0x52])),
    ]:
        write("FuzzPrinterStatus", bytes([sel]) + data)


def templates():
    d = os.path.join(ROOT, "Config", "templates")
    for name in sorted(os.listdir(d)):
        if name.endswith(".toml"):
            with open(os.path.join(d, name), "rb") as f:
                write("FuzzTemplate", f.read())


def images():
    src = os.path.join(ROOT, "Tests", "PhotoTests", "PhotoCorpus")
    picks = [os.path.join(src, "labels", n) for n in ("stamp-01.png", "datamatrix-1.png", "carton-1.png")]
    # The smallest JPEG photos (phone-like artefacts, EXIF): small files mutate faster.
    images_dir = os.path.join(src, "images")
    jpgs = sorted((n for n in os.listdir(images_dir) if n.endswith(".jpg")), key=lambda n: os.path.getsize(os.path.join(images_dir, n)))[:2]
    picks += [os.path.join(images_dir, n) for n in jpgs]
    try:
        from PIL import Image  # noqa: F401
        have_pil = True
    except ImportError:
        have_pil = False
    for p in picks:
        if have_pil and p.endswith(".jpg"):
            import io
            from PIL import Image
            im = Image.open(p)
            im.thumbnail((480, 480))
            buf = io.BytesIO()
            im.convert("L").save(buf, "JPEG", quality=70)
            write("FuzzImage", buf.getvalue())
        elif os.path.getsize(p) <= 64 * 1024:
            with open(p, "rb") as f:
                write("FuzzImage", f.read())


if __name__ == "__main__":
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    gs1(); digital_link(); hid(); status(); templates(); images()
    for t in sorted(os.listdir(CORPUS)):
        print(t, len(os.listdir(os.path.join(CORPUS, t))), file=sys.stderr)
