"""Match a file's headers to a dataset's fields: Chinese names or codes, any order, stray spaces."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from xinyong.catalog.definitions import Dataset
from xinyong.core.errors import InvalidInput

# A control column, not a catalog field: what to do with the row (default: add or update).
ACTION = "_OP"
ACTION_HEADERS = ("操作类型", "_OP", "OP")
ACTIONS = {
    "新增": "upsert",
    "变更": "upsert",
    "更新": "upsert",
    "修改": "upsert",
    "I": "upsert",
    "U": "upsert",
    "撤销": "withdraw",
    "删除": "withdraw",
    "D": "withdraw",
}

# Columns an error report adds; a corrected report can be sent back as it is.
REPORT_HEADERS = ("原行号", "错误说明")

_SPACE = re.compile(r"\s+")


def normalise_header(header: str) -> str:
    """Headers compare without case, width or white space: ``' 证件号码 '`` = ``'证件号码'``."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", header)).upper()


class MissingColumns(InvalidInput):
    """Required columns are absent: no row of the file could be accepted."""

    code = "missing_columns"


@dataclass
class ColumnMap:
    """Which file column feeds which field; what the file has that the catalog does not."""

    fields: dict[str, str] = field(default_factory=dict)  # file header -> field code
    action: str | None = None  # file header of the control column
    unknown: list[str] = field(default_factory=list)
    # The columns a record keeps, in file order: (header, field code; None for the control).
    kept: list[tuple[str, str | None]] = field(default_factory=list)


def map_columns(headers: list[str], dataset: Dataset) -> ColumnMap:
    """Map headers to fields; unknown columns are reported, never kept (catalog first)."""
    by_name: dict[str, str] = {}
    for item in dataset.fields:
        by_name[normalise_header(item.code)] = item.code
        by_name[normalise_header(item.name)] = item.code
    actions = {normalise_header(h) for h in ACTION_HEADERS}
    ignored = {normalise_header(h) for h in REPORT_HEADERS}
    mapping = ColumnMap()
    seen: dict[str, str] = {}
    for header in headers:
        key = normalise_header(header)
        if key in actions:
            mapping.action = header
            mapping.kept.append((header, None))
            continue
        if key in ignored:
            continue
        code = by_name.get(key)
        if code is None:
            mapping.unknown.append(header)
            continue
        if code in seen:
            raise InvalidInput(
                f"列「{seen[code]}」和「{header}」都对应信息项 {code}，请只保留一列",
                code="duplicate_columns",
            )
        seen[code] = header
        mapping.fields[header] = code
        mapping.kept.append((header, code))
    missing = [f for f in dataset.fields if f.required and f.code not in seen]
    if missing:
        names = "、".join(f"{f.name}（{f.code}）" for f in missing)
        raise MissingColumns(f"文件缺少必填列：{names}", details=[f.code for f in missing])
    return mapping
