"""What an appeal and an appeal decision contain."""

import uuid
from typing import Annotated, Literal

from pydantic import StringConstraints, model_validator

from childsafe.inputs import Input
from childsafe.vocabulary import AgeBand


class AppealIn(Input):

    decision_id: uuid.UUID
    appellant_role: Literal["affected_user", "reporter", "parent_guardian"]
    appellant_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    report_reference: Annotated[str, StringConstraints(min_length=5, max_length=20)] | None = None
    appellant_age_band: AgeBand = AgeBand.UNKNOWN
    grounds: Annotated[str, StringConstraints(min_length=1, max_length=5000)]

    @model_validator(mode="after")
    def _who(self) -> "AppealIn":
        if self.appellant_role == "reporter" and not self.report_reference:
            raise ValueError("a reporter's appeal needs report_reference (the report's reference number)")
        if self.appellant_role != "reporter" and not self.appellant_id:
            raise ValueError("appellant_id (the platform's user id) is required unless the reporter appeals")
        return self


class AppealDecisionIn(Input):

    outcome: Literal["upheld", "overturned"]
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
