"""Uploaded files and JSON rows land in a temp file the pipeline reads like any other."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from starlette.datastructures import UploadFile

from xinyong.core.errors import InvalidInput

CHUNK = 1 << 20


class TooLarge(InvalidInput):
    """The upload exceeds the configured limit."""

    status_code = 413
    code = "too_large"


@contextmanager
def spooled(upload: UploadFile, max_bytes: int) -> Iterator[Path]:
    """Copy an upload to a temp file, refusing more than ``max_bytes``."""
    with tempfile.TemporaryDirectory(prefix="xinyong-upload-") as work:
        target = Path(work) / "upload"
        written = 0
        with target.open("wb") as out:
            while block := upload.file.read(CHUNK):
                written += len(block)
                if written > max_bytes:
                    raise TooLarge(f"文件超过 {max_bytes // (1 << 20)} MB 上限，请分批报送")
                out.write(block)
        yield target


@contextmanager
def rows_file(rows: list[dict[str, Any]]) -> Iterator[Path]:
    """JSON rows as a JSON Lines temp file."""
    with tempfile.TemporaryDirectory(prefix="xinyong-rows-") as work:
        target = Path(work) / "rows.jsonl"
        with target.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False, default=str))
                out.write("\n")
        yield target
