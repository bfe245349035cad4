"""Catalog API: what the platform may collect (public: the catalog is published)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from xinyong.catalog import service
from xinyong.catalog.definitions import CodeTable
from xinyong.catalog.schemas import CatalogOut, DatasetOut
from xinyong.core.errors import NotFound
from xinyong.core.security import Principal
from xinyong.web.access import PUBLIC
from xinyong.web.state import app_state

router = APIRouter(prefix="/catalog", tags=["catalog"])


@router.get("", response_model=CatalogOut, summary="The catalog and its datasets")
def get_catalog(request: Request, _: Principal = PUBLIC) -> CatalogOut:
    """List every dataset of the catalog (信用信息目录)."""
    return CatalogOut.of(app_state(request).catalog)


@router.get("/datasets/{code}", response_model=DatasetOut, summary="One dataset's definition")
def get_dataset(code: str, request: Request, _: Principal = PUBLIC) -> DatasetOut:
    """A dataset's fields, business key, legal basis, openness and rules."""
    return service.describe_dataset(app_state(request).catalog, code)


@router.get("/code-tables/{code}", response_model=CodeTable, summary="One code table")
def get_code_table(code: str, request: Request, _: Principal = PUBLIC) -> CodeTable:
    """The allowed values of a code table (代码表)."""
    table = app_state(request).catalog.code_tables.get(code)
    if table is None:
        raise NotFound(f"没有代码表 {code}", code="code_table_not_found")
    return table
