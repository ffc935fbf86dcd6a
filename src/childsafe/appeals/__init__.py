"""Appeals (DSA Art. 20 internal complaint handling): the affected user or the reporter asks for a
second look within six months; a different reviewer decides; an overturn reverts the action."""

from childsafe.appeals import stats as stats  # read-only aggregates for reports and the console
from childsafe.appeals.models import Appeal
from childsafe.appeals.schemas import AppealDecisionIn, AppealIn
from childsafe.appeals.service import decide, get, list_appeals, submit

__all__ = ["Appeal", "AppealDecisionIn", "AppealIn", "decide", "get", "list_appeals", "submit"]
