"""What a reporting period may be: in order, within a plausible range of years, at most ten years."""

from datetime import date

from childsafe.errors import InvalidInput

MAX_DAYS = 3660


def check(start: date, end: date) -> None:
    if end < start:
        raise InvalidInput("the period ends before it starts", field="to")
    if start.year < 2000 or end.year > 2100:
        raise InvalidInput("a period lies between the years 2000 and 2100", field="from" if start.year < 2000
                           else "to")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInput(f"a period covers at most {MAX_DAYS} days", field="to")
