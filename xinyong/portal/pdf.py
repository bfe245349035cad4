"""HTML to PDF with WeasyPrint: CJK fonts from the system, files only from our static dir."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path
from typing import Any

from xinyong.core.errors import XinyongError
from xinyong.web.templating import STATIC_DIR

BASE_URL = "file:///"  # ``/static/x.css`` resolves to ``file:///static/x.css``
STATIC_PREFIX = "file:///static/"


class RenderError(XinyongError):
    """A PDF could not be rendered (a missing system library, say)."""

    status_code = 503
    code = "pdf_unavailable"


def static_file(url: str) -> Path | None:
    """The packaged static file ``url`` names, or None (any other URL is refused)."""
    if not url.startswith(STATIC_PREFIX):
        return None
    path = (STATIC_DIR / url.removeprefix(STATIC_PREFIX).split("?")[0]).resolve()
    return path if path.is_relative_to(STATIC_DIR) and path.is_file() else None


@lru_cache
def _renderer() -> tuple[Any, Any]:
    """WeasyPrint's HTML class and a fetcher that reads only our static files."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as exc:  # Pango missing: scripts/system-deps.sh installs it
        raise RenderError("PDF 生成组件不可用，请联系平台管理员") from exc

    class StaticOnly(URLFetcher):  # type: ignore[misc]
        """No network and no file outside the static dir, whatever a page links to."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            path = static_file(url)
            if path is None:
                raise ValueError(f"not fetched: {url}")
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return HTML, StaticOnly()


def html_to_pdf(html: str) -> bytes:
    """The PDF of a page whose stylesheet is under /static."""
    html_class, fetcher = _renderer()
    pdf: bytes = html_class(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf()
    return pdf
