"""Health, metrics and the shared vocabulary."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from starlette.exceptions import HTTPException

from childsafe import __version__
from childsafe.api.deps import require
from childsafe.api.views import Health
from childsafe.audit import Actor
from childsafe.vocabulary import CATEGORIES, REPORT_REASONS, AgeBand, Role

router = APIRouter(tags=["meta"])


@router.get("/healthz", response_model=Health, summary="Liveness and database reachability")
def healthz(request: Request) -> Health:
    try:
        with request.app.state.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise HTTPException(503, "the database is unreachable") from exc
    return Health(status="ok", database="ok", version=__version__)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


@router.get("/v1/report-reasons", summary="The child-friendly reasons a report form offers")
def report_reasons() -> list[dict[str, Any]]:
    return [{"code": r.code, "child_label": r.child_label, "adult_label": r.adult_label, "category": r.category.value,
             "imminent_risk": r.imminent_risk, "pictogram": r.pictogram} for r in REPORT_REASONS]


@router.get("/v1/taxonomy", summary="Risk categories with their CO:RE, DSA and NCMEC mappings; age bands")
def taxonomy(actor: Annotated[Actor, Depends(require(*Role))]) -> dict[str, Any]:
    return {
        "categories": [
            {"code": i.code.value, "label": i.label, "description": i.description,
             "core_cells": [f"{c.value}/{t.value}" for c, t in i.cells],
             "cross_cutting": [c.value for c in i.cross_cutting], "dsa_category": i.dsa_category.value,
             "dsa_keywords": list(i.dsa_keywords), "ncmec_incident_type": i.ncmec_incident_type,
             "queue": i.queue.value, "priority": i.priority, "sla_hours": i.sla.total_seconds() / 3600,
             "child_safety": i.child_safety}
            for i in CATEGORIES.values()
        ],
        "age_bands": [{"code": b.value, "label": b.label} for b in AgeBand],
    }
