from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from facturo.audit.schemas import HistoryEntryOut
from facturo.catalog import service
from facturo.catalog.schemas import (
    CategoryIn,
    CategoryOut,
    ProductIn,
    ProductOut,
    ProductPatch,
    ProductPriceOut,
    StockAdjustmentIn,
)
from facturo.kit.access import Permission
from facturo.kit.schemas import NO_NUL
from facturo.surface.rest.deps import CurrentActor, DbSession, Paging, PathId, QueryId
from facturo.surface.rest.routing import UnitOfWorkRoute
from facturo.surface.rest.schemas import PageOut
from facturo.surface.rest.security import requires

router = APIRouter(prefix="/api/v1", tags=["catalog"], route_class=UnitOfWorkRoute)


@router.get("/categories", response_model=list[CategoryOut], dependencies=[requires(Permission.CATALOG_READ)])
def list_categories(session: DbSession) -> list[CategoryOut]:
    return [CategoryOut.model_validate(c) for c in service.list_categories(session)]


@router.post(
    "/categories",
    response_model=CategoryOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.CATALOG_WRITE)],
)
def create_category(session: DbSession, actor: CurrentActor, data: CategoryIn) -> CategoryOut:
    return CategoryOut.model_validate(service.create_category(session, actor, data))


@router.get("/categories/{category_id}", response_model=CategoryOut, dependencies=[requires(Permission.CATALOG_READ)])
def get_category(session: DbSession, category_id: PathId) -> CategoryOut:
    return CategoryOut.model_validate(service.get_category(session, category_id))


@router.get("/products", response_model=PageOut[ProductOut], dependencies=[requires(Permission.CATALOG_READ)])
def list_products(
    session: DbSession,
    paging: Paging,
    q: Annotated[str | None, Query(max_length=100, pattern=NO_NUL, description="Search in code and name.")] = None,
    category_id: QueryId = None,
) -> PageOut[ProductOut]:
    return PageOut.of(service.search_products(session, paging, q, category_id).map(ProductOut.model_validate))


@router.post(
    "/products",
    response_model=ProductOut,
    status_code=status.HTTP_201_CREATED,
    dependencies=[requires(Permission.CATALOG_WRITE)],
)
def create_product(session: DbSession, actor: CurrentActor, data: ProductIn) -> ProductOut:
    return ProductOut.model_validate(service.create_product(session, actor, data))


@router.get("/products/{product_id}", response_model=ProductOut, dependencies=[requires(Permission.CATALOG_READ)])
def get_product(session: DbSession, product_id: PathId) -> ProductOut:
    return ProductOut.model_validate(service.get_product(session, product_id))


@router.patch("/products/{product_id}", response_model=ProductOut, dependencies=[requires(Permission.CATALOG_WRITE)])
def update_product(session: DbSession, actor: CurrentActor, product_id: PathId, data: ProductPatch) -> ProductOut:
    return ProductOut.model_validate(service.update_product(session, actor, product_id, data))


@router.post(
    "/products/{product_id}/stock", response_model=ProductOut, dependencies=[requires(Permission.CATALOG_WRITE)]
)
def adjust_stock(session: DbSession, actor: CurrentActor, product_id: PathId, data: StockAdjustmentIn) -> ProductOut:
    return ProductOut.model_validate(service.adjust_stock(session, actor, product_id, data.delta, data.reason))


@router.get(
    "/products/{product_id}/prices",
    response_model=list[ProductPriceOut],
    dependencies=[requires(Permission.CATALOG_READ)],
)
def price_history(session: DbSession, product_id: PathId) -> list[ProductPriceOut]:
    return [ProductPriceOut.model_validate(p) for p in service.price_history(session, product_id)]


@router.get(
    "/products/{product_id}/history",
    response_model=list[HistoryEntryOut],
    dependencies=[requires(Permission.HISTORY_READ)],
)
def product_history(session: DbSession, product_id: PathId) -> list[HistoryEntryOut]:
    return [HistoryEntryOut.model_validate(r) for r in service.product_history(session, product_id)]
