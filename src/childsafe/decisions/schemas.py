"""What a reviewer sends to decide a case."""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from childsafe.inputs import Input
from childsafe.vocabulary import RiskCategory
from childsafe.vocabulary.taxonomy import EEA_COUNTRIES


class Action(StrEnum):
    NO_VIOLATION = "no_violation"
    REMOVE = "remove"
    RESTRICT_VISIBILITY = "restrict_visibility"
    AGE_GATE = "age_gate"
    WARN = "warn"
    SUSPEND_TEMPORARY = "suspend_temporary"
    SUSPEND_PERMANENT = "suspend_permanent"
    ESCALATE = "escalate"


# Restrictions in the sense of DSA Art. 17(1): each needs a statement of reasons.
RESTRICTING = frozenset({Action.REMOVE, Action.RESTRICT_VISIBILITY, Action.AGE_GATE, Action.SUSPEND_TEMPORARY,
                         Action.SUSPEND_PERMANENT})
STRIKING = frozenset({Action.REMOVE, Action.RESTRICT_VISIBILITY, Action.SUSPEND_TEMPORARY, Action.SUSPEND_PERMANENT})

Text500 = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Text2000 = Annotated[str, StringConstraints(max_length=2000)]


class DecisionIn(Input):

    action: Action
    category: RiskCategory | None = None  # defaults to the case's category
    ground: Literal["terms", "illegal_content"] = "terms"
    policy_ground: Text500 | None = None  # the terms clause, or the law, relied on
    explanation: Text2000 | None = None  # the facts and why they meet the ground
    end_date: date | None = None  # for temporary suspensions
    territorial_scope: Annotated[list[str], Field(max_length=len(EEA_COUNTRIES))] = list(EEA_COUNTRIES)
    note: Text2000 | None = None  # for escalations and no-violation decisions
    # A specialist confirms the content is child sexual abuse material: its hashes join the local bank.
    confirm_abuse_material: bool = False

    @model_validator(mode="after")
    def _complete(self) -> "DecisionIn":
        if self.action in RESTRICTING:
            if not self.policy_ground:
                raise ValueError("policy_ground is required for a restricting decision (DSA Art. 17(3)(d)/(e))")
            if not (self.explanation or "").strip():
                raise ValueError("explanation is required for a restricting decision (DSA Art. 17(3)(b))")
        if self.action is Action.SUSPEND_TEMPORARY:
            if self.end_date is None:
                raise ValueError("end_date is required for a temporary suspension")
            if self.end_date <= date.today():
                raise ValueError("end_date must be in the future")
        elif self.end_date is not None:
            raise ValueError("end_date applies to temporary suspensions only")
        if self.confirm_abuse_material and self.action not in RESTRICTING:
            raise ValueError("confirm_abuse_material goes with a restricting decision (remove, restrict, suspend)")
        unknown = sorted(set(self.territorial_scope) - set(EEA_COUNTRIES))
        if unknown:
            raise ValueError(f"territorial_scope has codes outside the EEA: {', '.join(unknown)}")
        return self
