"""The FastAPI application factory."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from childsafe import __version__, notify
from childsafe import evidence as evidence_vault
from childsafe.api import problems
from childsafe.api.deps import _KeyCache
from childsafe.api.middleware import GuardMiddleware, ObservabilityMiddleware
from childsafe.api.routes import admin, appeals, banks, cases, cybertip, decisions, evidence, meta, reports, scan, text
from childsafe.api.routes import referrals as referral_routes
from childsafe.api.routes import transparency as transparency_routes
from childsafe.banks import Matcher
from childsafe.config import Settings, get_settings
from childsafe.console.app import install as install_console
from childsafe.detect.external import ExternalClassifier
from childsafe.detect.service import Detector
from childsafe.jobs import InProcessRunner
from childsafe.reportform import routes as reportform
from childsafe.store import Database, beside_database
from childsafe.transparency import submission as transparency_submission

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
        # Requests run side by side in threads; a multi-threaded BLAS inside each one only adds spinning.
        threadpool_limits(limits=1)
        runner = None
        if settings.task_queue == "inprocess":
            runner = InProcessRunner(database)
            runner.start()
        matcher.open()
        matcher.start()
        try:
            yield
        finally:
            matcher.stop()
            if runner:
                runner.stop()
            if db is None:
                database.dispose()

    app = FastAPI(title="childsafe", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  license_info={"name": "Apache-2.0", "identifier": "Apache-2.0"})
    app.state.settings = settings
    app.state.db = database
    app.state.key_cache = _KeyCache()
    matcher = Matcher(database, index_directory(settings), refresh_seconds=settings.index_refresh_seconds)
    app.state.matcher = matcher
    external = (ExternalClassifier(settings.text_model_url, settings.text_model_timeout_seconds,
                                   settings.text_model_token) if settings.text_model_url else None)
    app.state.detector = Detector(external=external, region=settings.pii_region)
    app.state.scan_gate = scan.ScanGate(settings.scan_concurrency or 2 * (os.cpu_count() or 1),
                                        settings.scan_queue_wait_seconds)
    notify.configure_from(settings.webhook_url, settings.webhook_secret)
    transparency_submission.configure(database, settings)  # decisions are queued for the TDB when it is set up
    evidence_vault.configure(settings)  # the vault of this database: its key file, store and hold rules
    problems.install(app)
    for module in (reports, cases, decisions, appeals, scan, text, banks, admin, meta, evidence, cybertip, reportform,
                   referral_routes, transparency_routes):
        app.include_router(module.router)
    install_console(app)  # /console pages and static files, GET / -> /console, HTML error pages there
    app.add_middleware(GuardMiddleware, max_body_bytes=settings.max_body_bytes,
                       uploads={"/v1/scan/media": (settings.max_upload_bytes, scan.UPLOAD_TYPES),
                                evidence.UPLOAD_PATH: (settings.max_upload_bytes, scan.UPLOAD_TYPES)},
                       form_paths=("/report", "/console"))
    app.add_middleware(ObservabilityMiddleware)
    return app


def index_directory(settings: Settings) -> Path | None:
    """Where index snapshots live: configured, or beside an SQLite database file; else memory only."""
    return beside_database(settings.database_url, ".index", settings.index_dir)
