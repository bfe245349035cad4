"""Public pages: home and the published catalog."""

from __future__ import annotations

from itertools import groupby

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import func, select

from xinyong.accounts.models import Department
from xinyong.catalog import service as catalog_service
from xinyong.catalog.definitions import CATEGORY_LABELS, OPENNESS_LABELS, Dataset
from xinyong.catalog.schemas import DatasetSummary
from xinyong.core.security import Principal
from xinyong.web.access import PUBLIC
from xinyong.web.deps import DbSession
from xinyong.web.state import app_state
from xinyong.web.templating import render

router = APIRouter(include_in_schema=False)

TYPE_LABELS = {
    "string": "文本",
    "text": "长文本",
    "date": "日期",
    "decimal": "数值",
    "integer": "整数",
    "enum": "代码",
}


def period_text(dataset: Dataset, request: Request) -> str:
    """The display period rule in words, from the configured policy."""
    rule = dataset.display_period
    if rule.kind == "valid_until":
        return "有效期内公示，有效期届满后停止公示"
    policies = app_state(request).catalog.policies.display_periods
    assert rule.policy is not None  # checked when the catalog loads
    bounds = policies[rule.policy][dataset.severity or "general"]  # type: ignore[index]
    if rule.kind == "while_listed":
        return f"列入期间公示，最长 {bounds.max_months} 个月；移出后停止公示"
    if bounds.min_months == bounds.max_months:
        return f"自决定之日起公示 {bounds.max_months} 个月"
    return (
        f"自决定之日起最短 {bounds.min_months} 个月、最长 {bounds.max_months} 个月"
        "（按严重程度；一个决定含多种处罚的取最长期限）"
    )


@router.get("/")
def home(request: Request, session: DbSession, _: Principal = PUBLIC) -> Response:
    """The portal's home page."""
    catalog = app_state(request).catalog
    datasets = [DatasetSummary.of(d) for d in catalog.datasets.values()]
    return render(
        request,
        "portal/home.html",
        {
            "catalog": catalog,
            "datasets": datasets,
            "field_count": sum(d.field_count for d in datasets),
            "department_count": session.scalar(select(func.count()).select_from(Department)) or 0,
        },
    )


@router.get("/catalog")
def catalog_page(request: Request, _: Principal = PUBLIC) -> Response:
    """The published catalog, grouped by category."""
    catalog = app_state(request).catalog
    ordered = sorted(
        catalog.datasets.values(), key=lambda d: list(CATEGORY_LABELS).index(d.category)
    )
    groups = [
        (CATEGORY_LABELS[category], [DatasetSummary.of(d) for d in items])
        for category, items in groupby(ordered, key=lambda d: d.category)
    ]
    return render(request, "portal/catalog.html", {"catalog": catalog, "groups": groups})


@router.get("/catalog/{code}")
def dataset_page(
    code: str, request: Request, session: DbSession, _: Principal = PUBLIC
) -> Response:
    """One dataset's public definition."""
    catalog = app_state(request).catalog
    described = catalog_service.describe_dataset(catalog, code)
    dataset = described.dataset
    names = {code: name for code, name in session.execute(select(Department.code, Department.name))}
    return render(
        request,
        "portal/dataset.html",
        {
            "d": dataset,
            "category_label": CATEGORY_LABELS[dataset.category],
            "openness_label": OPENNESS_LABELS[dataset.openness],
            "department_names": names,
            "period_text": period_text(dataset, request),
            "type_labels": TYPE_LABELS,
            "code_tables": catalog.code_tables,
        },
    )
