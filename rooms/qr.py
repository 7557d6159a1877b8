"""QR codes of room links, as SVG, with segno."""

import io

import segno

# Dark modules on white, a quiet zone of 4 modules as the standard asks, and error correction
# M: a TV across a room, a phone's camera at an angle, glare.
SCALE = 10
BORDER = 4


def qr_svg(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(
        buffer, kind="svg", scale=SCALE, border=BORDER, xmldecl=False, title=link
    )
    return buffer.getvalue()
