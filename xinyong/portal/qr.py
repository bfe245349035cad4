"""QR codes as inline SVG (no image files, no network)."""

from __future__ import annotations

import segno


def qr_svg(text: str, scale: int = 3) -> str:
    """An ``<svg>`` element encoding ``text`` (medium error correction)."""
    svg: str = segno.make(text, error="m").svg_inline(scale=scale, dark="#000", light="#fff")
    return svg
