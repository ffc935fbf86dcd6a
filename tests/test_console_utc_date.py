"""The console's decision form dates in UTC, like the decisions it records, whatever the server's time zone."""

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from conftest import case_of, report_body, submit
from console_support import browser, create_people, fast_hashing, post_form

__all__ = ["fast_hashing"]
pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def far_time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A local time zone whose date differs from UTC's right now (UTC-12 in the UTC morning, UTC+14 after)."""
    monkeypatch.setenv("TZ", "Etc/GMT+12" if datetime.now(UTC).hour < 12 else "Etc/GMT-14")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_end_date_cannot_be_before_the_utc_today(app, client, keys, db, far_time_zone):  # type: ignore[no-untyped-def]
    create_people(db)
    ack = submit(client, keys["service"], report_body(subject__platform_id="post-utc-date"))
    case_id = case_of(client, keys["moderator"], ack["reference"])
    mod = browser(app, "mod")
    assert post_form(mod, f"/console/cases/{case_id}/claim", token_from=f"/console/cases/{case_id}").status_code == 303
    page = mod.get(f"/console/cases/{case_id}").text
    utc_today = datetime.now(UTC).date()
    assert datetime.now().date() != utc_today  # the server's local date is another day
    assert f'name="end_date" type="date" min="{utc_today.isoformat()}"' in page
