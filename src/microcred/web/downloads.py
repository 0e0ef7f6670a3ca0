"""Download headers for files named after what people typed (a cohort's name, an uploaded file's name)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote


def attachment(filename: str) -> str:
    """A Content-Disposition value for any name (RFC 6266): an ASCII `filename` for old clients, and the name
    itself in `filename*` as percent-encoded UTF-8. Headers are Latin-1 on the wire; this value is plain ASCII."""
    folded = "".join(c for c in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(c))
    fallback = re.sub(r"[^A-Za-z0-9._ -]", "_", folded).strip() or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
