"""The QR code of a TOTP secret, drawn by reportlab (as the certificates' QR codes) and
inlined as an SVG ``data:`` address (the site's policy allows ``data:`` images)."""

from __future__ import annotations

from base64 import b64encode

from reportlab.graphics import renderSVG
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing

SIZE = 220.0


def qr_data_uri(text: str) -> str:
    widget = QrCodeWidget(text, barLevel="M", barBorder=4, barWidth=SIZE, barHeight=SIZE)
    drawing = Drawing(SIZE, SIZE)
    drawing.add(widget)
    svg = renderSVG.drawToString(drawing)
    return "data:image/svg+xml;base64," + b64encode(svg.encode()).decode()
