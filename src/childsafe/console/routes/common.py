"""Helpers the page modules share: parsing ids and filters, opening a case as the console shows it."""

import uuid
from enum import Enum
from typing import TypeVar

from sqlalchemy.orm import Session

from childsafe import cases
from childsafe.audit import Actor
from childsafe.console.web import ConsoleError
from childsafe.errors import Forbidden, NotFound

E = TypeVar("E", bound=Enum)

CASE_NOT_FOUND = ConsoleError(404, "Case not found", "There is no case with this number that your role may open.")


def parse_id(value: str, what: str = "page") -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise ConsoleError(404, f"{what.capitalize()} not found",
                           f"“{value[:60]}” is not a {what} number. Check the link.") from None


def choice(enum: type[E], value: str, field: str) -> E | None:
    """A filter from a query string: empty means 'any'; anything else must be a known value."""
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        raise ConsoleError(422, "Please check the filters", f"“{value[:60]}” is not a known {field}.") from None


def open_case(session: Session, case_id: uuid.UUID, actor: Actor, *, reason: str = "console case review",
              audit_read: bool = True) -> cases.Case:
    """The case, or a 404 page: a case restricted to specialists does not exist for anyone else.

    The refusal is still audited (``cases.get`` writes ``case.access_denied`` durably). Actions on a
    case pass ``audit_read=False``: the action's own audit entry already says who touched it.
    """
    try:
        return cases.get(session, case_id, actor, reason=reason, audit_read=audit_read)
    except (Forbidden, NotFound):
        raise CASE_NOT_FOUND from None
