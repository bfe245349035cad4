"""Public pages of the published lists (红黑名单公示)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from xml.etree.ElementTree import Element, SubElement, tostring

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from xinyong.api.public import ListCode, Rules
from xinyong.core.security import Principal
from xinyong.lists import public
from xinyong.lists.definitions import get_lists
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)
ATOM = "http://www.w3.org/2005/Atom"


@router.get("/lists")
def lists_page(
    request: Request, session: DbSession, rules: Rules, _: Principal = PUBLIC
) -> Response:
    """The published lists with how many each names."""
    found = public.published(session, rules, get_lists(rules.catalog))
    return render(request, "portal/lists.html", {"lists": found})


@router.get("/lists/{code}")
def list_page(
    code: ListCode,
    request: Request,
    session: DbSession,
    rules: Rules,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    _: Principal = PUBLIC,
) -> Response:
    """One published list, newest entries first."""
    result = public.entries(session, rules, get_lists(rules.catalog), code, page)
    return render(request, "portal/list.html", {"p": result})


@router.get("/lists/{code}/feed")
def list_feed(
    code: ListCode,
    request: Request,
    session: DbSession,
    rules: Rules,
    _: Principal = PUBLIC,
) -> Response:
    """An Atom feed of a public list's latest entries and exits (订阅名单变动)."""
    definition, events = public.changes(session, rules, get_lists(rules.catalog), code)
    base = str(request.base_url).rstrip("/")
    return Response(
        atom_feed(base, definition.code, definition.name, events),
        media_type="application/atom+xml; charset=utf-8",
    )


def atom_feed(base: str, code: str, title: str, events: list[public.ListChange]) -> bytes:
    """RFC 4287: one entry per event, newest first; persons' ID numbers come masked."""
    feed = Element("feed", xmlns=ATOM)
    SubElement(feed, "id").text = f"{base}/lists/{code}"
    SubElement(feed, "title").text = f"{title} · 列入与移出"
    day = events[0].day if events else date.today()
    SubElement(feed, "updated").text = f"{day.isoformat()}T00:00:00+08:00"
    SubElement(feed, "link", href=f"{base}/lists/{code}/feed", rel="self")
    author = SubElement(feed, "author")
    SubElement(author, "name").text = title
    for event in events:
        entry = SubElement(feed, "entry")
        SubElement(entry, "id").text = f"{base}/lists/{code}#{event.entry_id}-{event.event}"
        verb = "列入" if event.event == "entered" else f"移出（{event.reason}）"
        SubElement(entry, "title").text = f"{event.subject_name} {verb}"
        SubElement(entry, "updated").text = f"{event.day.isoformat()}T00:00:00+08:00"
        SubElement(entry, "link", href=f"{base}/records/{event.record_id}")
        SubElement(
            entry, "summary"
        ).text = (
            f"{event.subject_name}（{event.subject_code}）于 {event.day.isoformat()} {verb}{title}"
        )
    body: bytes = tostring(feed, encoding="utf-8")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + body
