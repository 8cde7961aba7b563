"""Reports to PDF with WeasyPrint, from the HTML the console already shows.

The machine's CJK fonts (Debian's fonts-noto-cjk) come first, so a Chinese report reads the same
in the PDF as on screen. WeasyPrint loads the system's Pango library when imported: it is
imported only when a PDF is made, so a machine without Pango runs everything else.
"""

from __future__ import annotations

PDF_CONTENT_TYPE = "application/pdf"
# Fonts tried in order for text of any script; the first one present on the machine is used.
REPORT_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Noto Sans", "DejaVu Sans", sans-serif'


class PdfUnavailable(Exception):
    """No PDF can be made on this machine; ``str()`` says what is missing."""


def pdf_bytes(html: str) -> bytes:
    """The HTML page (inline styles; no remote resources are fetched) as a PDF."""
    try:
        from weasyprint import CSS, HTML  # noqa: PLC0415  (loads Pango: only when asked)
        from weasyprint.urls import URLFetcher  # noqa: PLC0415
    except OSError as exc:
        raise PdfUnavailable(f"PDF export needs the Pango library ({exc})") from None
    # A report is self-contained: what its HTML names (a file, an address) is never fetched;
    # only data: URIs (inline images) are read.
    fetcher = URLFetcher(allowed_protocols=["data"])
    fonts = CSS(string=f"body {{ font-family: {REPORT_FONTS}; }}")
    return HTML(string=html, url_fetcher=fetcher).write_pdf(stylesheets=[fonts])
