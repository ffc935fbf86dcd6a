"""Decisions on cases, their DSA Art. 17 statements of reasons, user notices (with a child-friendly
variant), strikes per account, and the reversal an upheld appeal needs."""

from childsafe.decisions import stats as stats  # read-only aggregates for reports and the console
from childsafe.decisions.models import Decision, Strike
from childsafe.decisions.schemas import RESTRICTING, Action, DecisionIn
from childsafe.decisions.service import decide, get, list_decisions, revert, strikes_for

__all__ = ["RESTRICTING", "Action", "Decision", "DecisionIn", "Strike", "decide", "get", "list_decisions",
           "revert", "strikes_for"]
