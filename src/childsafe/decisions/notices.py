"""Plain-language notices to the affected user, with a child-friendly variant.

The adult notice carries everything Art. 17(3) asks for; the child notice says the same things in
short sentences a ten-year-old can follow, and always points to a trusted adult and help.
"""

from datetime import date, datetime

from childsafe.decisions.schemas import Action
from childsafe.vocabulary import RiskCategory, category_info
from childsafe.vocabulary.taxonomy import CHILD_LABELS

_WHAT = {
    Action.REMOVE: ("we removed your content", "we took down what you posted"),
    Action.RESTRICT_VISIBILITY: ("we limited who can see your content", "fewer people can see what you posted now"),
    Action.AGE_GATE: ("we made your content available to adults only", "only grown-ups can see what you posted now"),
    Action.WARN: ("we are giving you a warning", "this is a warning"),
    Action.SUSPEND_TEMPORARY: ("we suspended your account", "your account is paused for a while"),
    Action.SUSPEND_PERMANENT: ("we closed your account", "your account has been closed"),
}


def adult_notice(*, platform: str, action: Action, category: RiskCategory, ground: str, policy_ground: str,
                 explanation: str, automated: bool, end_date: date | None, appeal_deadline: datetime) -> str:
    what = _WHAT[action][0]
    basis = "it appears to be illegal" if ground == "illegal_content" else "it breaks our terms of service"
    lines = [
        f"{platform}: {what}.",
        f"Why: {basis} ({category_info(category).label}). Rule relied on: {policy_ground}.",
        f"What we found: {explanation}",
        "How we decided: " + ("automated tools decided this." if automated
                              else "a trained member of our safety team reviewed it."),
    ]
    if end_date:
        lines.append(f"This lasts until {end_date.isoformat()}.")
    lines.append(
        f"If you think we got it wrong, you can appeal until {appeal_deadline.date().isoformat()}: tell us why, "
        "and a different reviewer will look at it. You can also turn to a certified out-of-court dispute "
        "settlement body or to the courts."
    )
    return "\n".join(lines)


def child_notice(*, platform: str, action: Action, category: RiskCategory, end_date: date | None,
                 appeal_deadline: datetime) -> str:
    what = _WHAT[action][1]
    lines = [
        f"Hi. This is a message from {platform}.",
        f"We had to step in: {what}.",
        f"Why? Our rules are there to keep everyone safe. This was about {CHILD_LABELS[category]}.",
    ]
    if end_date:
        lines.append(f"This will last until {end_date.strftime('%d %B %Y')}.")
    lines += [
        f"Think we made a mistake? You can ask us to look again until {appeal_deadline.strftime('%d %B %Y')}. "
        "A different person will check it.",
        "You can talk about this with a grown-up you trust, like a parent, carer or teacher.",
        "If something online is worrying you, you are not alone: a helpline can help, for free.",
    ]
    return "\n".join(lines)
