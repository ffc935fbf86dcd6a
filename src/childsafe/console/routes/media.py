"""Evidence images: blurred and greyscale by default; revealing one is a deliberate, audited act.

The revealed image is returned inline in the page that answers the reveal (never at a URL of its
own), so it is not cached, bookmarked or re-opened without another reason being recorded.
"""

import base64
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from childsafe import evidence
from childsafe.console.auth import Identity
from childsafe.console.routes.common import CASE_NOT_FOUND, open_case, parse_id
from childsafe.console.web import PREFIX, REVIEWERS, SECURITY_HEADERS, ConsoleError, html, posting, roles
from childsafe.errors import Forbidden, NotFound

router = APIRouter(prefix=PREFIX, include_in_schema=False)


def _item(session, case_id, item_id, me: Identity) -> evidence.ItemInfo:  # type: ignore[no-untyped-def]
    open_case(session, case_id, me.actor, reason="evidence review", audit_read=False)
    try:
        found = evidence.item(session, item_id)
    except NotFound:
        raise ConsoleError(404, "Item not found", "This evidence item does not exist.") from None
    if found.case_id != case_id:  # an item is only reachable through its own case
        raise ConsoleError(404, "Item not found", "This evidence item does not belong to this case.")
    return found


@router.get("/cases/{case_id}/evidence/{item_id}/blurred.png")
def blurred(case_id: str, item_id: str, request: Request,
            me: Annotated[Identity, Depends(roles(*REVIEWERS))]) -> Response:
    case, item = parse_id(case_id, "case"), parse_id(item_id, "item")
    with request.app.state.db.transaction() as session:
        _item(session, case, item, me)
        try:
            png = evidence.review_image(session, item, actor=me.actor, reveal=False, reason="console review")
        except Forbidden:
            raise CASE_NOT_FOUND from None
    return Response(png, media_type="image/png", headers=SECURITY_HEADERS | {"Cache-Control": "private, no-store"})


@router.post("/cases/{case_id}/evidence/{item_id}/reveal")
def reveal(case_id: str, item_id: str, request: Request,
           me: Annotated[Identity, Depends(posting(*REVIEWERS))],
           reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    case, item = parse_id(case_id, "case"), parse_id(item_id, "item")
    if not reason.strip():
        raise ConsoleError(422, "A reason is needed",
                           "Say why you need to see this item unblurred; the reason goes to the audit log.")
    with request.app.state.db.transaction() as session:
        info = _item(session, case, item, me)
        png = evidence.review_image(session, item, actor=me.actor, reveal=True, reason=reason.strip())
        exposure = evidence.exposure(session, me.actor.id)
    return html("revealed.html", request, me, section="queues", title="Revealed item", case_id=case, item=info,
                image=base64.b64encode(png).decode(), reason=reason.strip(), exposure=exposure)
