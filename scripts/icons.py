#!/usr/bin/env python3
"""Writes the app's icons into app/icons/ (committed; run again after a change):
icon.svg, icon-192.png, icon-512.png, icon-maskable-512.png and
apple-touch-icon.png (180 px), for the web app manifest and the page's links.

A page with three lines of text on the app's accent colour (style/main.css).
The PNGs are drawn here, with only the standard library (zlib), from the same
shapes as the SVG: each pixel's coverage by a rounded rectangle comes from its
signed distance, which anti-aliases the edges without an image library.
"""

import struct
import sys
import zlib
from pathlib import Path

ACCENT = (0x2F, 0x6F, 0x5E)  # --accent
PAPER = (0xFF, 0xFF, 0xFF)

# On a 512 × 512 canvas: (x0, y0, x1, y1, corner radius, colour).
TILE = (0, 0, 512, 512, 112, ACCENT)
PAGE = (136, 88, 376, 424, 28, PAPER)
LINES = [
    (184, 168, 328, 196, 14, ACCENT),
    (184, 236, 328, 264, 14, ACCENT),
    (184, 304, 280, 332, 14, ACCENT),
]


def rounded_distance(px, py, shape):
    """Signed distance from (px, py) to the rounded rectangle (< 0 inside)."""
    x0, y0, x1, y1, r, _ = shape
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hx, hy = (x1 - x0) / 2 - r, (y1 - y0) / 2 - r
    dx, dy = abs(px - cx) - hx, abs(py - cy) - hy
    outside = (max(dx, 0) ** 2 + max(dy, 0) ** 2) ** 0.5
    return outside + min(max(dx, dy), 0) - r


def scaled(shape, k, offset):
    x0, y0, x1, y1, r, colour = shape
    return (x0 * k + offset, y0 * k + offset, x1 * k + offset, y1 * k + offset, r * k, colour)


def draw(size, shapes, background):
    """RGBA rows of `size` px: `shapes` painted in order over `background`
    (None: transparent)."""
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            colour, alpha = (background, 1.0) if background else ((0, 0, 0), 0.0)
            for shape in shapes:
                cover = min(max(0.5 - rounded_distance(x + 0.5, y + 0.5, shape), 0.0), 1.0)
                if cover > 0:
                    # "over" compositing, colours straight (not premultiplied).
                    out = cover + alpha * (1 - cover)
                    colour = tuple(
                        round((c * cover + b * alpha * (1 - cover)) / out)
                        for c, b in zip(shape[5], colour)
                    )
                    alpha = out
            row += bytes(colour) + bytes([round(alpha * 255)])
        rows.append(bytes(row))
    return rows


def png(rows):
    size = len(rows)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + r for r in rows)  # filter 0 on every row
    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def svg():
    def rect(shape):
        x0, y0, x1, y1, r, c = shape
        return (f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" '
                f'rx="{r}" fill="#{c[0]:02x}{c[1]:02x}{c[2]:02x}"/>')

    body = "".join(rect(s) for s in [TILE, PAGE, *LINES])
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">{body}</svg>\n'


def main():
    out = Path(__file__).resolve().parent.parent / "app" / "icons"
    out.mkdir(exist_ok=True)
    (out / "icon.svg").write_text(svg())
    for size in (192, 512):
        k = size / 512
        (out / f"icon-{size}.png").write_bytes(
            png(draw(size, [scaled(s, k, 0) for s in [TILE, PAGE, *LINES]], None)))
    # Maskable and Apple's: full-bleed colour (the platform cuts its own
    # shape), the page within the middle 80 % that every mask keeps.
    for name, size in (("icon-maskable-512.png", 512), ("apple-touch-icon.png", 180)):
        k = size / 512 * 0.8
        offset = size * 0.1
        (out / name).write_bytes(
            png(draw(size, [scaled(s, k, offset) for s in [PAGE, *LINES]], ACCENT)))
    print(f"icons written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
