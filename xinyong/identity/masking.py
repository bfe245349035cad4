"""Masking for public output: an ID number never appears in full on a public page."""

from __future__ import annotations

from xinyong.identity.codes import CodeType, clean


def mask_ric(number: str) -> str:
    """``11010519491231002X`` → ``1101**********002X`` (first four, last four)."""
    value = clean(number)
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_document(number: str) -> str:
    """Other personal documents: keep two characters at each end."""
    value = clean(number)
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_code(code_type: CodeType, code: str) -> str:
    """Mask a subject code for public output; an organisation's USCC is public and kept."""
    if code_type is CodeType.USCC:
        return clean(code)
    if code_type is CodeType.RIC:
        return mask_ric(code)
    return mask_document(code)


def mask_person_name(name: str) -> str:
    """``张三丰`` → ``张**``: for lists where even the name must not be shown in full."""
    name = name.strip()
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name
