"""FastAPI application assembly."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from facturo import __version__
from facturo.auth import service as auth_service
from facturo.auth.api import router as access_router
from facturo.catalog.api import router as catalog_router
from facturo.customers.api import router as customers_router
from facturo.invoicing.api.invoices import router as invoices_router
from facturo.invoicing.api.organisation import router as organisation_router
from facturo.invoicing.api.payments import router as payments_router
from facturo.kit.config import Settings, get_settings
from facturo.kit.db import Database, make_engine
from facturo.reception.api import router as reception_router
from facturo.reception.service import after_batch, archive_of
from facturo.reception.workers import start_workers as reception_workers
from facturo.reports.api import router as reports_router
from facturo.reports.pages.dashboard import warm_dashboard
from facturo.sequence_audit import service as sequence_audit
from facturo.sequence_audit.api import router as audit_router
from facturo.surface.rest import errors, openapi_responses, security_headers
from facturo.surface.rest.body_limit import BodyLimit
from facturo.surface.web.routing import browser_error
from facturo.surface.web.templating import STATIC_DIR
from facturo.usage.api import router as usage_router
from facturo.web.routers import PAGE_ROUTERS

DESCRIPTION = """
Invoicing for Latin America: customers with Guatemalan NIT, a categorised catalog, invoices with
gapless numbering per series and a tamper-evident hash chain, credit notes, split payments and
a full change history. Amounts are JSON strings with exact decimals (`"1234.50"`).

Errors always look like `{"error": {"code", "message", "details": [{"field", "rule", "message"}]}}`,
in Spanish by default or English with `Accept-Language: en`. POSTs that create things accept an
`Idempotency-Key` header: the same key and body replay the first response and create nothing new.
"""


def swagger_ui_static() -> Path:
    """The Swagger UI 5 files of the ``swagger-ui-py`` package (5 reads OpenAPI 3.1, which FastAPI
    writes). Only its files are used: the package itself is never imported."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - a declared dependency
        raise RuntimeError("swagger-ui-py is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    if database is None:
        settings.ensure_data_dir()
        database = Database.from_url(
            settings.resolved_database_url,
            echo=settings.sql_echo,
            pool_size=settings.db_pool_size,
            statement_timeout_ms=settings.statement_timeout_ms,  # web requests only (docs/performance.md)
        )
        if settings.auto_migrate:
            from facturo.kit.migrate import upgrade  # Alembic only when migrating (not in `facturo serve` workers)

            # Migrations run on an engine of their own: no statement timeout for a long index build.
            migrations = make_engine(settings.resolved_database_url, pool_size=1)
            try:
                upgrade(migrations)
            finally:
                migrations.dispose()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.warm_caches:
            # The first dashboard view would otherwise read a whole year of lines (about a second
            # on 100,000 invoices); reading it here, in the background, keeps every view fast.
            threading.Thread(target=warm_dashboard, args=(app,), name="facturo-warm", daemon=True).start()
        workers = None
        if settings.reception_workers:
            workers = reception_workers(database, app.state.reception_archive, settings)
            app.state.reception_workers = workers
        yield
        if workers is not None:
            workers.shutdown()
        database.dispose()

    # Docs are served from a packaged Swagger UI: no CDN, so /docs works offline.
    app = FastAPI(
        title="facturo",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.mount("/static/swagger-ui", StaticFiles(directory=swagger_ui_static()), name="swagger-ui")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="facturo — API",
            swagger_js_url="/static/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/swagger-ui/favicon-32x32.png",
        )

    app.state.database = database
    app.state.authenticator = auth_service
    app.state.unit_of_work_slots = asyncio.Semaphore(database.max_connections)
    app.state.settings = settings
    app.state.reception_archive = archive_of(settings)
    # The sequence audit follows each worker batch that accepted documents (docs/audit-gaps.md).
    after_batch(sequence_audit.sync)
    errors.install(app, html_error=browser_error)
    for router in (
        access_router,
        organisation_router,
        customers_router,
        catalog_router,
        invoices_router,
        payments_router,
        usage_router,
        reports_router,
        reception_router,
        audit_router,
        *PAGE_ROUTERS,
    ):
        app.include_router(router)

    @app.get("/health", tags=["health"], responses=openapi_responses.errors(503))
    def health() -> dict[str, str]:
        with database.unit_of_work(write=False) as session:
            session.execute(text("SELECT 1"))
        return {"status": "ok", "database": database.dialect, "version": __version__}

    openapi_responses.install(app)  # every route's error statuses, derived in one place (docs/api.md)
    app.add_middleware(BodyLimit, settings=settings, html_error=browser_error)  # bounds bodies before any read
    security_headers.install(app)  # around everything, errors included (docs/web.md)
    return app
