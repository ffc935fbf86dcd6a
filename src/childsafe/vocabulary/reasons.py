"""Child-friendly report reasons, each mapped to a risk category.

Children pick from plain words, not legal categories; the mapping to the taxonomy (and so to the
DSA and NCMEC) happens here, once, instead of in every form a platform builds.
"""

from dataclasses import dataclass

from childsafe.vocabulary.taxonomy import RiskCategory


@dataclass(frozen=True, slots=True)
class ReportReason:
    code: str
    child_label: str
    adult_label: str
    category: RiskCategory
    imminent_risk: bool = False
    pictogram: str = ""


REPORT_REASONS: tuple[ReportReason, ...] = (
    ReportReason("sexual_image_of_child", "Someone shared sexual pictures or videos of a child",
                 "Child sexual abuse material", RiskCategory.CSAM, pictogram="shield"),
    ReportReason("adult_asking_sexual_things", "Someone is asking me sexual things or to meet up",
                 "Grooming or sexual enticement of a minor", RiskCategory.GROOMING, pictogram="stranger"),
    ReportReason("threat_to_share_my_pictures", "Someone says they will share my pictures unless I do something",
                 "Sextortion", RiskCategory.SEXTORTION, pictogram="lock"),
    ReportReason("asked_for_nude_pictures", "Someone asked me for pictures of my body",
                 "Request for sexual images / sexting pressure", RiskCategory.SEXTING, pictogram="camera"),
    ReportReason("bullying_me", "Someone is being mean to me or about me",
                 "Bullying or harassment", RiskCategory.CYBERBULLYING, pictogram="sad"),
    ReportReason("violent_or_scary", "It shows fighting, blood or something scary",
                 "Violent or graphic content", RiskCategory.VIOLENT_CONTENT, pictogram="warning"),
    ReportReason("adult_content", "It's rude or sexual stuff for grown-ups",
                 "Adult sexual content", RiskCategory.ADULT_CONTENT, pictogram="eye"),
    ReportReason("self_harm", "Someone might hurt themselves or talks about it",
                 "Self-harm, suicide or eating-disorder content", RiskCategory.SELF_HARM, pictogram="heart"),
    ReportReason("someone_in_danger_now", "Someone is in danger right now",
                 "Imminent risk to a person's safety", RiskCategory.SELF_HARM, imminent_risk=True,
                 pictogram="siren"),
    ReportReason("hate", "It's nasty about who people are",
                 "Hate speech", RiskCategory.HATE, pictogram="megaphone"),
    ReportReason("scam_or_pressure_to_buy", "Someone is tricking me or pushing me to pay",
                 "Scam or predatory commerce", RiskCategory.PREDATORY_COMMERCE, pictogram="coin"),
    ReportReason("cant_stop_playing", "It makes me feel I can't stop or take a break",
                 "Excessive use / persuasive design", RiskCategory.EXCESSIVE_USE, pictogram="clock"),
    ReportReason("shared_private_info", "Someone shared my private things, like where I live",
                 "Privacy violation", RiskCategory.PRIVACY_VIOLATION, pictogram="house"),
    ReportReason("something_else", "Something else is wrong",
                 "Other", RiskCategory.OTHER, pictogram="question"),
)

_BY_CODE = {reason.code: reason for reason in REPORT_REASONS}
REASON_CODES: tuple[str, ...] = tuple(_BY_CODE)


def reason_by_code(code: str) -> ReportReason:
    """Look a reason up; a KeyError names an unknown code so the API can say which."""
    return _BY_CODE[code]
