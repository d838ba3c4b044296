"""Draw the patient app's PNG icons (web app manifest) without an image library.

The mark: a white ring with a dot (a pain-scale "point"), on the brand teal; the maskable
icon keeps the mark inside the central 80 % safe zone. Run from the repository root:
`python scripts/make_app_icons.py`.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

OUT = Path("src/painpath/web/ui/static/app/icons")
TEAL = (15, 92, 110)
WHITE = (255, 255, 255)


def _png(size: int, pixels: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def draw(size: int, *, maskable: bool) -> bytes:
    centre = (size - 1) / 2
    scale = 0.8 if maskable else 1.0
    outer, inner, dot = (0.36 * scale * size, 0.26 * scale * size, 0.09 * scale * size)
    corner = 0 if maskable else 0.18 * size
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            dx, dy = x - centre, y - centre
            # Rounded corners (transparent would need alpha; white outside reads as a tile).
            cx = max(abs(dx) - (centre - corner), 0)
            cy = max(abs(dy) - (centre - corner), 0)
            if corner and cx * cx + cy * cy > corner * corner:
                row += bytes(WHITE)
                continue
            distance = (dx * dx + dy * dy) ** 0.5
            on_mark = inner <= distance <= outer or distance <= dot
            row += bytes(WHITE if on_mark else TEAL)
        rows.append(bytes(row))
    return _png(size, rows)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        (OUT / f"icon-{size}.png").write_bytes(draw(size, maskable=False))
    (OUT / "icon-maskable-512.png").write_bytes(draw(512, maskable=True))


if __name__ == "__main__":
    main()
