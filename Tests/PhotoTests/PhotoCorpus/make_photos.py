#!/usr/bin/env python3
"""Make the photo corpus: phone-like photos of real stamp labels, with a manifest of their codes.

Step 2 of generate.sh (step 1 renders the labels with the station's own renderer into labels/).
Every scene below places one or more labels on a background (table, noodle bag, pomelo peel,
carton board) and then does to it what a phone camera and an inspector's hands do: perspective,
rotation, a curved fruit surface, distance, focus and motion blur, sensor noise, dim or uneven
light, glare, JPEG compression, an EXIF orientation instead of rotated pixels.

The expected codes of an image are the codes of the labels placed in it (labels/labels.json,
checked against the renderer's input by the Swift tests), never what a decoder returned.

Deterministic: the same Pillow and numpy versions (requirements.txt) and seed give the same files.
usage: make_photos.py [--seed N] [--out DIR]
  default: the committed corpus (images/ and manifest.json next to this file);
  another seed into another folder makes a fresh set of photos of the same labels, to check that
  the decoder's figures hold on photos it was not tuned on.
"""
import argparse
import io
import json
import math
import os
import sys

import numpy as np
from PIL import Image, ImageFilter

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20250314
W, H = 1280, 960
BIG_W, BIG_H = 4000, 3000


def load_labels():
    with open(os.path.join(HERE, "labels", "labels.json"), encoding="utf-8") as f:
        labels = json.load(f)
    out = {}
    for lab in labels:
        img = Image.open(os.path.join(HERE, "labels", lab["file"])).convert("L")
        out[lab["id"]] = (lab, np.asarray(img, dtype=np.float32))
    return out


# ---------------------------------------------------------------- backgrounds

def smooth_noise(rng, w, h, cell):
    """Low-frequency noise in [0, 1]: random values on a coarse grid, bilinearly enlarged."""
    gw, gh = max(2, w // cell + 2), max(2, h // cell + 2)
    grid = Image.fromarray((rng.random((gh, gw)) * 255).astype(np.uint8))
    return np.asarray(grid.resize((w, h), Image.BILINEAR), dtype=np.float32) / 255


def background(rng, kind, w, h):
    """An RGB float array for a surface a stamp sits on."""
    if kind == "table":        # light wood
        base = np.array([180, 140, 100], np.float32)
        grain = smooth_noise(rng, w, h // 8, 40)
        grain = np.asarray(Image.fromarray((grain * 255).astype(np.uint8)).resize((w, h), Image.BILINEAR), np.float32) / 255
        tex = 0.75 + 0.35 * grain
    elif kind == "bag":        # translucent bag over grey-brown glass noodles
        base = np.array([170, 160, 150], np.float32)
        tex = 0.7 + 0.3 * smooth_noise(rng, w, h, 25) + 0.15 * smooth_noise(rng, w, h, 6)
    elif kind == "pomelo":     # green-yellow peel with pores
        base = np.array([150, 180, 70], np.float32)
        tex = 0.8 + 0.25 * smooth_noise(rng, w, h, 120) + 0.08 * smooth_noise(rng, w, h, 4)
    elif kind == "carton":     # brown corrugated board
        base = np.array([175, 135, 90], np.float32)
        tex = 0.85 + 0.15 * smooth_noise(rng, w, h, 60)
    else:                      # grey desk
        base = np.array([120, 120, 125], np.float32)
        tex = 0.85 + 0.2 * smooth_noise(rng, w, h, 80)
    return tex[..., None] * base[None, None, :]


# ---------------------------------------------------------------- geometry

def homography(src, dst):
    """3×3 matrix mapping the four src points onto the four dst points."""
    a, b = [], []
    for (x, y), (u, v) in zip(src, dst):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y]); b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y]); b.append(v)
    m = np.linalg.solve(np.array(a, np.float64), np.array(b, np.float64))
    return np.append(m, 1).reshape(3, 3)


def bilinear(img, u, v):
    """Samples img (h, w) at float coordinates; returns values and the inside mask."""
    h, w = img.shape
    inside = (u >= 0) & (v >= 0) & (u <= w - 1) & (v <= h - 1)
    uc = np.clip(u, 0, w - 1.001); vc = np.clip(v, 0, h - 1.001)
    u0 = np.floor(uc).astype(np.int32); v0 = np.floor(vc).astype(np.int32)
    fu = uc - u0; fv = vc - v0
    top = img[v0, u0] * (1 - fu) + img[v0, u0 + 1] * fu
    bottom = img[v0 + 1, u0] * (1 - fu) + img[v0 + 1, u0 + 1] * fu
    return top * (1 - fv) + bottom * fv, inside


def place(canvas, label, rng, cx, cy, width, angle=0.0, tilt=(0.0, 0.0), curve=0.0, paper=(246, 30)):
    """Draws a label (gray array, 255 = paper) onto canvas (RGB float) in place.

    width: label width in output pixels; angle: degrees counter-clockwise; tilt: (horizontal,
    vertical) perspective strength, 0..0.5 (how much one edge shrinks against the other);
    curve: 0 = flat, else the label wraps around a sphere whose radius is width / curve.
    """
    lh, lw = label.shape
    s = width / lw
    # Surface coordinates of the label (after wrapping around the fruit): a sphere of radius r.
    if curve > 0:
        r = lw / curve
        half_u = r * math.sin(min(math.pi / 2 * 0.98, (lw / 2) / r))
        half_v = r * math.sin(min(math.pi / 2 * 0.98, (lh / 2) / r))
    else:
        r = None
        half_u, half_v = lw / 2, lh / 2
    # Corners of the surface rectangle in the output: scaled, tilted, rotated, moved.
    corners = np.array([[-half_u, -half_v], [half_u, -half_v], [half_u, half_v], [-half_u, half_v]], np.float64) * s
    th, tv = tilt
    k = np.array([[1 - th, 1 - tv], [1 + th, 1 - tv], [1 + th, 1 + tv], [1 - th, 1 + tv]])
    # Perspective: the far edge shrinks along the other axis.
    corners[:, 1] *= k[:, 0]
    corners[:, 0] *= k[:, 1]
    t = math.radians(angle)
    rot = np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])
    dst = corners @ rot.T + np.array([cx, cy])
    src = [(-half_u, -half_v), (half_u, -half_v), (half_u, half_v), (-half_u, half_v)]
    hm = homography(src, [tuple(p) for p in dst])
    inv = np.linalg.inv(hm)

    x0 = int(max(0, math.floor(dst[:, 0].min()) - 2)); x1 = int(min(canvas.shape[1], math.ceil(dst[:, 0].max()) + 3))
    y0 = int(max(0, math.floor(dst[:, 1].min()) - 2)); y1 = int(min(canvas.shape[0], math.ceil(dst[:, 1].max()) + 3))
    if x0 >= x1 or y0 >= y1:
        return
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float64)
    den = inv[2, 0] * xs + inv[2, 1] * ys + inv[2, 2]
    su = (inv[0, 0] * xs + inv[0, 1] * ys + inv[0, 2]) / den
    sv = (inv[1, 0] * xs + inv[1, 1] * ys + inv[1, 2]) / den
    shade = np.ones_like(su)
    if r is not None:
        inside_sphere = (np.abs(su) < r) & (np.abs(sv) < r)
        au = np.arcsin(np.clip(su / r, -1, 1)); av = np.arcsin(np.clip(sv / r, -1, 1))
        u = r * au + lw / 2; v = r * av + lh / 2
        shade = 0.55 + 0.45 * np.cos(au) * np.cos(av)
    else:
        inside_sphere = np.ones_like(su, dtype=bool)
        u = su + lw / 2; v = sv + lh / 2
    val, inside = bilinear(label, u - 0.5, v - 0.5)
    mask = (inside & inside_sphere).astype(np.float32)
    # Thermal print: paper is not pure white, black is not pure black.
    white, black = paper
    gray = black + (val / 255.0) * (white - black)
    gray = gray * shade
    tint = np.array([1.0, 0.995, 0.97], np.float32)  # slightly warm paper
    region = canvas[y0:y1, x0:x1]
    m = mask[..., None]
    region[:] = region * (1 - m) + (gray[..., None] * tint[None, None, :]) * m


# ---------------------------------------------------------------- camera effects

def lighting(canvas, rng, kind, strength):
    h, w = canvas.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    if kind == "uneven":       # a lamp to one side: brightness falls across the frame
        a = rng.uniform(0, 2 * math.pi)
        d = ((xs - w / 2) * math.cos(a) + (ys - h / 2) * math.sin(a)) / max(w, h)
        field = 1 + strength * 2 * d
        field = np.clip(field, 0.15, 1.6)
    elif kind == "shadow":     # a hard-edged shadow (hand or phone) across part of the stamp
        a = rng.uniform(0, 2 * math.pi)
        d = (xs - w * rng.uniform(0.4, 0.6)) * math.cos(a) + (ys - h * rng.uniform(0.4, 0.6)) * math.sin(a)
        field = np.where(d > 0, 1.0, 1 - strength).astype(np.float32)
        field = np.asarray(Image.fromarray((field * 200).astype(np.uint8)).filter(ImageFilter.GaussianBlur(6)), np.float32) / 200
    elif kind == "low":        # dim room: everything dark (noise is added by the caller)
        field = np.full((h, w), strength, np.float32)
    else:                      # vignette
        r2 = ((xs - w / 2) ** 2 + (ys - h / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
        field = 1 - strength * r2
    canvas *= field[..., None]


def glare(canvas, cx, cy, radius, amount):
    h, w = canvas.shape[:2]
    x0, x1 = int(max(0, cx - 3 * radius)), int(min(w, cx + 3 * radius))
    y0, y1 = int(max(0, cy - 3 * radius)), int(min(h, cy + 3 * radius))
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    spot = amount * np.exp(-((xs - cx) ** 2 + (ys - cy) ** 2) / (2 * radius ** 2))
    canvas[y0:y1, x0:x1] += spot[..., None]


def to_image(canvas):
    return Image.fromarray(np.clip(canvas, 0, 255).astype(np.uint8), "RGB")


def motion_blur(img, length, angle):
    a = np.asarray(img, np.float32)
    acc = np.zeros_like(a)
    n = max(2, int(length))
    for i in range(n):
        t = i - (n - 1) / 2
        dx, dy = int(round(t * math.cos(math.radians(angle)))), int(round(t * math.sin(math.radians(angle))))
        acc += np.roll(np.roll(a, dy, axis=0), dx, axis=1)
    return Image.fromarray(np.clip(acc / n, 0, 255).astype(np.uint8), "RGB")


def add_noise(img, rng, sigma):
    a = np.asarray(img, np.float32)
    # Luminance noise plus weaker chroma noise, as a phone sensor at high ISO.
    lum = rng.normal(0, sigma, a.shape[:2])[..., None]
    chroma = rng.normal(0, sigma * 0.4, a.shape)
    return Image.fromarray(np.clip(a + lum + chroma, 0, 255).astype(np.uint8), "RGB")


# ---------------------------------------------------------------- scenes

def stamp_ids(labels):
    return sorted(k for k in labels if k.startswith("stamp-"))


def scenes():
    """(category, parameters) of every image, in file order."""
    s = []
    add = lambda cat, **p: s.append((cat, p))
    # Clean, square-on photos at different distances.
    for width, bg in [(620, "table"), (520, "bag"), (700, "desk"), (440, "pomelo")]:
        add("clean", width=width, bg=bg, angle=0, quality=85, noise=0 if bg == "table" else 2.5)
    # In-plane rotation (the phone held any way round).
    for a in [17, 33, 48, 90, 161, 214]:
        add("rotation", width=520, angle=a, quality=80)
    # Perspective: photographed at an angle.
    for tilt in [(0.18, 0.0), (0.0, 0.22), (0.25, 0.1), (0.3, 0.0), (-0.2, 0.2)]:
        add("perspective", width=560, tilt=tilt, angle=8, quality=80)
    # Focus blur and hand shake.
    for sigma in [1.5, 2.5, 3.5, 4.5]:
        add("blur", width=600, blur=sigma, quality=80)
    for length, ang in [(9, 0), (14, 35)]:
        add("motion", width=600, motion=(length, ang), quality=80)
    # Sensor noise.
    for sigma in [8, 14, 22]:
        add("noise", width=540, noise=sigma, quality=85)
    # Small stamp in a big frame (standing back).
    for width in [300, 240, 200, 170]:
        add("tiny", width=width, quality=85)
    # Light: dim room, lamp to one side, shadow, glare from flash or lamp.
    for level in [0.35, 0.22, 0.15]:
        add("lowlight", width=560, light=("low", level), noise=6 + (0.4 - level) * 30, quality=75)
    for strength in [0.5, 0.7]:
        add("uneven", width=560, light=("uneven", strength), quality=80)
    add("shadow", width=560, light=("shadow", 0.55), quality=80)
    for where, radius, amount in [((0.58, 0.42), 40, 220), ((0.42, 0.5), 30, 200), ((0.62, 0.58), 55, 180), ((0.38, 0.4), 45, 260)]:
        add("glare", width=600, glare=(where, radius, amount), quality=80)
    # Stamps on pomelos: curved surface.
    for curve, width in [(0.45, 520), (0.6, 480), (0.75, 460), (0.9, 420)]:
        add("curved", width=width, curve=curve, bg="pomelo", quality=80)
    # Strong JPEG compression (messaging apps).
    for q in [30, 38, 45, 55, 62, 70]:
        add("jpeg", width=480, quality=q)
    # Two stamps in one photo.
    for i in range(4):
        add("two", width=420, two=True, quality=80)
    # Photos with no code: background only, a text-only sticker, a stamp cut off by the frame edge.
    add("none", nothing="background", quality=80)
    add("none", nothing="text-only", quality=80)
    add("none", nothing="blank-label", quality=80)
    add("none", nothing="cut-off", quality=80)
    # Carton labels (QR + Data Matrix + GS1-128) and Data Matrix-only labels.
    for i in range(3):
        add("carton", carton=i + 1, width=900 - 80 * i, bg="carton", angle=(-6, 4, 12)[i], quality=85)
    for i in range(2):
        add("datamatrix", datamatrix=i + 1, width=360 + 60 * i, bg="carton", angle=(0, 21)[i], quality=85)
    # Stored sideways with an EXIF orientation tag, as phones do.
    for orientation in [6, 8, 3]:
        add("exif", width=520, exif=orientation, quality=85)
    # Several problems at once.
    add("combined", width=460, tilt=(0.2, 0.05), blur=1.8, light=("low", 0.45), noise=10, quality=60)
    add("combined", width=420, curve=0.6, bg="pomelo", light=("uneven", 0.5), blur=1.2, quality=55)
    add("combined", width=380, angle=28, glare=((0.6, 0.45), 50, 170), noise=9, quality=50)
    add("combined", width=300, tilt=(0.15, 0.15), motion=(7, 80), quality=60)
    # Full 12 MP phone photos: stamp at arm's length, small stamp, curved pomelo.
    add("12mp", big=True, width=1900, angle=4, quality=72)
    add("12mp", big=True, width=700, angle=-12, quality=72)
    add("12mp", big=True, width=1500, curve=0.7, bg="pomelo", tilt=(0.1, 0.0), quality=72)
    return s


def render_scene(index, category, p, labels, stamps, seed=SEED):
    rng = np.random.default_rng(seed + index)
    big = p.get("big", False)
    w, h = (BIG_W, BIG_H) if big else (W, H)
    bg = p.get("bg") or ["table", "bag", "desk", "pomelo"][index % 4]
    canvas = background(rng, bg, w, h)
    placed = []

    def stamp(i):
        return labels[stamps[i % len(stamps)]]

    if "two" in p:
        for k, cx in enumerate([w * 0.28, w * 0.72]):
            lab, img = stamp(index * 2 + k)
            place(canvas, img, rng, cx + rng.uniform(-20, 20), h / 2 + rng.uniform(-60, 60), p["width"] * rng.uniform(0.95, 1.05),
                  angle=rng.uniform(-12, 12))
            placed.append(lab)
    elif "nothing" in p:
        kind = p["nothing"]
        lab, img = stamp(index)
        if kind == "text-only":        # the right-hand text block of a miến dong stamp, without its QR
            tpl = labels["stamp-01"][1]
            part = tpl[:, int(tpl.shape[1] * 0.55):]
            place(canvas, part, rng, w / 2, h / 2, 420, angle=5)
        elif kind == "blank-label":    # a label whose print failed: paper, border, no symbol
            blank = np.full((240, 400), 255, np.float32)
            blank[:4, :] = blank[-4:, :] = 0; blank[:, :4] = blank[:, -4:] = 0
            place(canvas, blank, rng, w / 2, h / 2, 560, angle=-3)
        elif kind == "cut-off":        # most of the QR outside the frame: nothing should be read
            place(canvas, img, rng, -150, h / 2, 700, angle=0)
    elif "carton" in p:
        lab, img = labels[f"carton-{p['carton']}"]
        place(canvas, img, rng, w / 2, h / 2, p["width"], angle=p.get("angle", 0))
        placed.append(lab)
    elif "datamatrix" in p:
        lab, img = labels[f"datamatrix-{p['datamatrix']}"]
        place(canvas, img, rng, w / 2, h / 2, p["width"], angle=p.get("angle", 0))
        placed.append(lab)
    else:
        lab, img = stamp(index)
        width = p["width"]
        jitter = 0 if big else 60
        place(canvas, img, rng, w / 2 + rng.uniform(-jitter, jitter), h / 2 + rng.uniform(-jitter, jitter), width,
              angle=p.get("angle", rng.uniform(-5, 5)), tilt=p.get("tilt", (0, 0)), curve=p.get("curve", 0))
        placed.append(lab)

    if "light" in p:
        kind, strength = p["light"]
        lighting(canvas, rng, kind, strength)
    else:
        lighting(canvas, rng, "vignette", 0.15)
    if "glare" in p:
        (fx, fy), radius, amount = p["glare"]
        glare(canvas, w * fx, h * fy, radius * (w / W), amount)
    img = to_image(canvas)
    if "blur" in p:
        img = img.filter(ImageFilter.GaussianBlur(p["blur"]))
    else:
        img = img.filter(ImageFilter.GaussianBlur(0.6 * (w / W)))   # every lens blurs a little
    if "motion" in p:
        length, ang = p["motion"]
        img = motion_blur(img, length, ang)
    if p.get("noise", 2.5) > 0:
        img = add_noise(img, rng, p.get("noise", 2.5))

    exif_bytes = None
    if "exif" in p:
        # Store the pixels as the sensor saw them; the tag says how to turn them upright.
        o = p["exif"]
        img = img.transpose({6: Image.ROTATE_90, 8: Image.ROTATE_270, 3: Image.ROTATE_180}[o])
        exif = Image.Exif()
        exif[0x0112] = o
        exif_bytes = exif.tobytes()
    codes = [c for lab in placed for c in lab["codes"]]
    return img, exif_bytes, codes, [lab["id"] for lab in placed]


def main():
    parser = argparse.ArgumentParser(description="Make the stamp photo corpus.")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", default=HERE, help="folder for images/ and manifest.json")
    args = parser.parse_args()
    labels = load_labels()
    stamps = stamp_ids(labels)
    if args.seed != SEED:   # other photos of other stamps
        shift = args.seed % len(stamps)
        stamps = stamps[shift:] + stamps[:shift]
    out_dir = os.path.join(args.out, "images")
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        os.remove(os.path.join(out_dir, f))
    manifest = []
    for i, (category, p) in enumerate(scenes()):
        img, exif_bytes, codes, ids = render_scene(i, category, p, labels, stamps, args.seed)
        name = f"{i + 1:03d}-{category}"
        if category == "clean" and i == 0:
            path = name + ".png"                # a lossless, noise-free photo (an edited or screenshot image)
            img.convert("L").save(os.path.join(out_dir, path), optimize=True)
        else:
            path = name + ".jpg"
            kwargs = {"quality": p["quality"]}
            if exif_bytes:
                kwargs["exif"] = exif_bytes
            img.save(os.path.join(out_dir, path), "JPEG", **kwargs)
        manifest.append({"file": path, "category": category, "width": img.size[0], "height": img.size[1],
                         "labels": ids, "codes": codes,
                         "params": {k: v for k, v in p.items() if k not in ("big",)}})
        print(f"{path}\t{img.size[0]}x{img.size[1]}\t{len(codes)} codes", file=sys.stderr)
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
