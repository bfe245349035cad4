"""Read what departments send — CSV (UTF-8 with or without BOM, GBK/GB18030), XLSX, JSON
Lines — as a stream of string-typed Polars chunks with the file's line number beside each row.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from xinyong.core.errors import InvalidInput

LINE = "_line"
FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".jsonl": "jsonl", ".ndjson": "jsonl"}
READ_BLOCK = 1 << 20
ENCODING_LABELS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 (BOM)", "gb18030": "GB18030"}


class UnreadableFile(InvalidInput):
    """The file as a whole cannot be read; nothing from it is stored."""

    code = "unreadable_file"


@dataclass(frozen=True)
class Source:
    """An input file, identified and ready to stream as UTF-8."""

    path: Path  # what is read (a UTF-8 copy when the original was not)
    name: str
    format: str
    encoding: str | None
    sha256: str
    size: int
    sheet: str | None = None
    lines: int | None = None  # line breaks in a text file: an upper bound of its rows


def file_format(name: str, declared: str | None = None) -> str:
    """The format of a file, from what the caller says or the file name's ending."""
    if declared:
        if declared not in set(FORMATS.values()):
            raise UnreadableFile(f"不支持的文件格式 {declared}（支持 CSV、XLSX、JSON Lines）")
        return declared
    found = FORMATS.get(Path(name).suffix.lower())
    if found is None:
        raise UnreadableFile(f"无法识别文件 {name} 的格式：请使用 .csv、.xlsx 或 .jsonl 文件")
    return found


def _hash_and_sniff(path: Path) -> tuple[str, int, str, int]:
    """SHA-256, size, text encoding (utf-8, utf-8-sig or gb18030) and line breaks, in one
    pass."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    size, lines, utf8 = 0, 0, True
    with path.open("rb") as handle:
        first = True
        while block := handle.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
            lines += block.count(b"\n")
            if first and block.startswith(codecs.BOM_UTF8):
                block = block[len(codecs.BOM_UTF8) :]
                bom = True
            elif first:
                bom = False
            first = False
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                utf8 = False
    if size == 0:
        raise UnreadableFile("文件为空")
    encoding = ("utf-8-sig" if bom else "utf-8") if utf8 else "gb18030"
    return digest.hexdigest(), size, encoding, lines


def _transcode(path: Path, encoding: str, target: Path) -> None:
    """Rewrite ``path`` as UTF-8 without BOM, streaming (memory independent of file size)."""
    try:
        with (
            path.open("r", encoding=encoding, newline="") as src,
            target.open("w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, READ_BLOCK)
    except UnicodeDecodeError as exc:
        raise UnreadableFile("文件编码无法识别：请使用 UTF-8 或 GBK/GB18030 编码") from exc


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as handle:
        while block := handle.read(READ_BLOCK):
            digest.update(block)
            size += len(block)
    if size == 0:
        raise UnreadableFile("文件为空")
    return digest.hexdigest(), size


def open_source(
    path: Path,
    workdir: Path,
    *,
    name: str | None = None,
    declared: str | None = None,
    sheet: str | None = None,
) -> Source:
    """Identify, hash and (for CSV not in plain UTF-8) transcode a file."""
    name = name or path.name
    kind = file_format(name, declared)
    if kind == "xlsx":
        sha, size = _digest(path)
        return Source(path, name, kind, None, sha, size, sheet)
    sha, size, encoding, lines = _hash_and_sniff(path)
    readable = path
    if encoding != "utf-8":
        readable = workdir / f"utf8.{kind}"
        _transcode(path, encoding, readable)
    return Source(readable, name, kind, ENCODING_LABELS[encoding], sha, size, lines=lines)


def headers(source: Source) -> list[str]:
    """The column headers as they stand in the file."""
    if source.format == "csv":
        with source.path.open("rb") as handle:
            return headers_of(handle.readline())
    if source.format == "xlsx":
        return list(_read_xlsx(source).columns)
    with source.path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise UnreadableFile("第一行不是有效的 JSON") from exc
                if not isinstance(row, dict):
                    raise UnreadableFile("JSON Lines 文件每行应为一个对象")
                return list(row)
    raise UnreadableFile("文件为空")


def _read_xlsx(source: Source) -> pl.DataFrame:
    try:
        frame = pl.read_excel(
            source.path,
            sheet_name=source.sheet,
            sheet_id=None if source.sheet else 1,
            infer_schema_length=0,
            raise_if_empty=False,
        )
    except Exception as exc:
        detail = f"工作表 {source.sheet} " if source.sheet else ""
        raise UnreadableFile(f"无法读取 Excel 文件{detail}：{exc}".strip()) from exc
    assert isinstance(frame, pl.DataFrame)
    return frame


def _as_strings(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.all().cast(pl.String))


def chunks(source: Source, size: int) -> Iterator[pl.DataFrame]:
    """The rows as string columns plus ``_line`` (the line in the file; header is line 1)."""
    if source.format == "csv":
        yield from _csv_chunks(source.path, size)
    elif source.format == "xlsx":
        frame = _as_strings(_read_xlsx(source)).with_row_index(LINE, offset=2)
        for start in range(0, frame.height, size):
            yield frame.slice(start, size)
    else:
        yield from _jsonl_chunks(source.path, size)


def _csv_frame(names: list[str], records: list[bytes], lines: list[int]) -> pl.DataFrame:
    try:
        frame = pl.read_csv(
            io.BytesIO(b"".join(records)),
            has_header=False,
            new_columns=names,
            infer_schema=False,
            truncate_ragged_lines=True,
        )
    except pl.exceptions.PolarsError as exc:
        raise UnreadableFile(f"CSV 文件格式有误（第 {lines[0]} 行起）：{exc}") from exc
    if frame.height != len(records):
        raise UnreadableFile(f"CSV 文件格式有误：第 {lines[0]} 行起的引号不成对")
    return frame.with_columns(pl.Series(LINE, lines, dtype=pl.Int64))


def _csv_chunks(path: Path, size: int) -> Iterator[pl.DataFrame]:
    """Records of ``size`` rows at a time, read without mapping the whole file: memory stays
    flat whatever the file's size. A quoted field may span lines; ``_line`` is the physical
    line where its record starts."""
    with path.open("rb") as handle:
        names = headers_of(handle.readline())
        records: list[bytes] = []
        lines: list[int] = []
        pending, start, quotes = b"", 0, 0
        for number, raw in enumerate(handle, start=2):
            if not pending:
                start = number
            pending += raw
            quotes += raw.count(b'"')
            if quotes % 2:
                continue  # inside a quoted field that goes on to the next line
            if not raw.endswith(b"\n"):
                pending += b"\n"
            if pending.strip():
                records.append(pending)
                lines.append(start)
            pending, quotes = b"", 0
            if len(records) >= size:
                yield _csv_frame(names, records, lines)
                records, lines = [], []
        if pending.strip():
            records.append(pending if pending.endswith(b"\n") else pending + b"\n")
            lines.append(start)
        if records:
            yield _csv_frame(names, records, lines)


def headers_of(first_line: bytes) -> list[str]:
    """The header row of a UTF-8 CSV, parsed as CSV (headers may be quoted)."""
    text = first_line.decode("utf-8").rstrip("\r\n")
    row = next(csv.reader([text]), [])
    if not row or not any(cell.strip() for cell in row):
        raise UnreadableFile("文件第一行应为表头")
    seen: dict[str, int] = {}
    names = []
    for cell in row:  # Polars needs distinct column names; duplicates are reported later
        seen[cell] = seen.get(cell, 0) + 1
        names.append(cell if seen[cell] == 1 else f"{cell}#{seen[cell]}")
    return names


BAD_JSON = "_bad_json"


def _jsonl_chunks(path: Path, size: int) -> Iterator[pl.DataFrame]:
    rows: list[dict[str, object]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError
            except ValueError:
                row = {BAD_JSON: line.rstrip("\n")[:2000]}
            rows.append(
                {**{k: None if v is None else str(v) for k, v in row.items()}, LINE: number}
            )
            if len(rows) >= size:
                yield pl.DataFrame(rows, infer_schema_length=None).with_columns(
                    pl.col(LINE).cast(pl.UInt32)
                )
                rows = []
    if rows:
        yield pl.DataFrame(rows, infer_schema_length=None).with_columns(
            pl.col(LINE).cast(pl.UInt32)
        )
