"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from childsafe import __version__, notify
from childsafe.api import problems
from childsafe.api.deps import _KeyCache
from childsafe.api.middleware import GuardMiddleware, ObservabilityMiddleware
from childsafe.api.routes import admin, appeals, cases, decisions, meta, reports
from childsafe.config import Settings, get_settings
from childsafe.jobs import InProcessRunner
from childsafe.store import Database

DESCRIPTION = """
childsafe puts the ITU/UNICEF *Guidelines for Industry on Child Online Protection* into practice:
reports (children's too) become cases, trained staff decide, affected people are told why in
words they understand, and anyone affected can appeal.

Authenticate with `Authorization: Bearer <API key>`. Errors are RFC 9457 problem details.
"""


def create_app(settings: Settings | None = None, db: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    database = db or Database(settings.database_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runner = None
        if settings.task_queue == "inprocess":
            runner = InProcessRunner(database)
            runner.start()
        try:
            yield
        finally:
            if runner:
                runner.stop()
            if db is None:
                database.dispose()

    app = FastAPI(title="childsafe", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"})
    app.state.settings = settings
    app.state.db = database
    app.state.key_cache = _KeyCache()
    notify.configure_from(settings.webhook_url, settings.webhook_secret)
    problems.install(app)
    for module in (reports, cases, decisions, appeals, admin, meta):
        app.include_router(module.router)
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(ObservabilityMiddleware)
    return app
