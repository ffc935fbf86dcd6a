"""The risk taxonomy: CO:RE 4Cs cells, childsafe's named categories and their outside mappings.

One table drives everything downstream: the queue and priority a report lands in, the DSA
Transparency Database category and keywords on a statement of reasons, and the NCMEC
CyberTipline incident type for a referral. Sources: CO:RE short report (Livingstone & Stoilova
2021); DSA Transparency Database schema valid from 1 July 2025; NCMEC CyberTipline enumerations.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum


class CoreC(StrEnum):
    CONTENT = "content"
    CONTACT = "contact"
    CONDUCT = "conduct"
    CONTRACT = "contract"


class CoreType(StrEnum):
    AGGRESSIVE = "aggressive"
    SEXUAL = "sexual"
    VALUES = "values"


class CrossCutting(StrEnum):
    PRIVACY = "privacy"
    HEALTH = "health"
    DISCRIMINATION = "discrimination"


class DsaCategory(StrEnum):
    """`category` of the DSA Transparency Database (2025 schema)."""

    ANIMAL_WELFARE = "STATEMENT_CATEGORY_ANIMAL_WELFARE"
    CONSUMER_INFORMATION = "STATEMENT_CATEGORY_CONSUMER_INFORMATION"
    CYBER_VIOLENCE = "STATEMENT_CATEGORY_CYBER_VIOLENCE"
    CYBER_VIOLENCE_AGAINST_WOMEN = "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN"
    DATA_PROTECTION_AND_PRIVACY_VIOLATIONS = "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS"
    ILLEGAL_OR_HARMFUL_SPEECH = "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH"
    INTELLECTUAL_PROPERTY_INFRINGEMENTS = "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS"
    NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS = (
        "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS"
    )
    NOT_SPECIFIED_NOTICE = "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE"
    OTHER_VIOLATION_TC = "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    PROTECTION_OF_MINORS = "STATEMENT_CATEGORY_PROTECTION_OF_MINORS"
    RISK_FOR_PUBLIC_SECURITY = "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY"
    SCAMS_AND_FRAUD = "STATEMENT_CATEGORY_SCAMS_AND_FRAUD"
    SELF_HARM = "STATEMENT_CATEGORY_SELF_HARM"
    UNSAFE_AND_PROHIBITED_PRODUCTS = "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS"
    VIOLENCE = "STATEMENT_CATEGORY_VIOLENCE"


class NcmecIncidentType(StrEnum):
    """CyberTipline `incidentType` values (18 U.S.C. 2258A reportable incidents)."""

    CHILD_PORNOGRAPHY = "Child Pornography (possession, manufacture, and distribution)"
    CHILD_SEX_TRAFFICKING = "Child Sex Trafficking"
    CHILD_SEX_TOURISM = "Child Sex Tourism"
    CHILD_SEXUAL_MOLESTATION = "Child Sexual Molestation"
    MISLEADING_DOMAIN_NAME = "Misleading Domain Name"
    MISLEADING_WORDS_OR_IMAGES = "Misleading Words or Digital Images on the Internet"
    ONLINE_ENTICEMENT = "Online Enticement of Children for Sexual Acts"
    UNSOLICITED_OBSCENE_MATERIAL = "Unsolicited Obscene Material Sent to a Child"


class RiskCategory(StrEnum):
    CSAM = "csam"
    GROOMING = "grooming"
    SEXTORTION = "sextortion"
    SEXTING = "sexting"
    CYBERBULLYING = "cyberbullying"
    VIOLENT_CONTENT = "violent_content"
    ADULT_CONTENT = "adult_content"
    SELF_HARM = "self_harm"
    HATE = "hate"
    PREDATORY_COMMERCE = "predatory_commerce"
    EXCESSIVE_USE = "excessive_use"
    PRIVACY_VIOLATION = "privacy_violation"
    OTHER = "other"


class Queue(StrEnum):
    """Review queues. The child-safety queue is open to child-safety specialists only."""

    CHILD_SAFETY = "child_safety"
    URGENT = "urgent"
    TRUSTED_FLAGGER = "trusted_flagger"
    GENERAL = "general"


# Lower numbers are reviewed first.
PRIORITY_CRITICAL = 0
PRIORITY_HIGH = 1
PRIORITY_NORMAL = 2

SLA_URGENT = timedelta(hours=1)
SLA_DEFAULT = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class RiskCategoryInfo:
    code: RiskCategory
    label: str
    description: str
    cells: tuple[tuple[CoreC, CoreType], ...]
    dsa_category: DsaCategory
    dsa_keywords: tuple[str, ...] = ()
    dsa_keyword_other: str | None = None
    ncmec_incident_type: NcmecIncidentType | None = None
    cross_cutting: tuple[CrossCutting, ...] = ()
    queue: Queue = Queue.GENERAL
    priority: int = PRIORITY_NORMAL
    sla: timedelta = SLA_DEFAULT
    aliases: tuple[str, ...] = field(default=())

    @property
    def child_safety(self) -> bool:
        """Cases in this category are restricted to child-safety specialists."""
        return self.queue is Queue.CHILD_SAFETY


_C, _T = CoreC, CoreType
_D = DsaCategory

CATEGORIES: dict[RiskCategory, RiskCategoryInfo] = {
    info.code: info
    for info in (
        RiskCategoryInfo(
            RiskCategory.CSAM, "Child sexual abuse material",
            "Sexual images or video of a person under 18, including AI-generated and self-generated material.",
            ((_C.CONTENT, _T.SEXUAL), (_C.CONTACT, _T.SEXUAL), (_C.CONTRACT, _T.SEXUAL)),
            _D.PROTECTION_OF_MINORS, ("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",),
            ncmec_incident_type=NcmecIncidentType.CHILD_PORNOGRAPHY,
            queue=Queue.CHILD_SAFETY, priority=PRIORITY_CRITICAL, sla=SLA_URGENT, aliases=("CSAM", "CSEA"),
        ),
        RiskCategoryInfo(
            RiskCategory.GROOMING, "Grooming / sexual enticement",
            "An adult building a relationship with a child in order to abuse or exploit them.",
            ((_C.CONTACT, _T.SEXUAL),),
            _D.PROTECTION_OF_MINORS, ("KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",),
            ncmec_incident_type=NcmecIncidentType.ONLINE_ENTICEMENT,
            queue=Queue.CHILD_SAFETY, priority=PRIORITY_HIGH, aliases=("enticement",),
        ),
        RiskCategoryInfo(
            RiskCategory.SEXTORTION, "Sextortion",
            "Threats to share sexual images of a child unless they pay or send more.",
            ((_C.CONTACT, _T.SEXUAL), (_C.CONTRACT, _T.AGGRESSIVE)),
            _D.PROTECTION_OF_MINORS, ("KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",),
            ncmec_incident_type=NcmecIncidentType.ONLINE_ENTICEMENT,
            queue=Queue.CHILD_SAFETY, priority=PRIORITY_HIGH, aliases=("financial sextortion",),
        ),
        RiskCategoryInfo(
            RiskCategory.SEXTING, "Sexting / self-exposure",
            "Pressure on a child to send sexual messages or images, or a child sharing them.",
            ((_C.CONDUCT, _T.SEXUAL),),
            _D.PROTECTION_OF_MINORS, ("KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS",),
            queue=Queue.CHILD_SAFETY, priority=PRIORITY_HIGH,
        ),
        RiskCategoryInfo(
            RiskCategory.CYBERBULLYING, "Cyberbullying",
            "Repeated hostile behaviour: insults, threats, exclusion, shaming.",
            ((_C.CONDUCT, _T.AGGRESSIVE),),
            _D.CYBER_VIOLENCE, ("KEYWORD_CYBER_BULLYING_INTIMIDATION", "KEYWORD_CYBER_HARASSMENT"),
            aliases=("bullying", "harassment"),
        ),
        RiskCategoryInfo(
            RiskCategory.VIOLENT_CONTENT, "Violent content",
            "Graphic, gory or violent material, or incitement to violence.",
            ((_C.CONTENT, _T.AGGRESSIVE),),
            _D.VIOLENCE, ("KEYWORD_OTHER",), dsa_keyword_other="Graphic or violent content",
        ),
        RiskCategoryInfo(
            RiskCategory.ADULT_CONTENT, "Adult content",
            "Pornography or sexual material involving adults, not suitable for children.",
            ((_C.CONTENT, _T.SEXUAL),),
            _D.OTHER_VIOLATION_TC, ("KEYWORD_ADULT_SEXUAL_MATERIAL", "KEYWORD_AGE_SPECIFIC_RESTRICTIONS"),
            aliases=("pornography",),
        ),
        RiskCategoryInfo(
            RiskCategory.SELF_HARM, "Self-harm, suicide or eating-disorder content",
            "Content promoting or depicting self-harm, suicide or disordered eating.",
            ((_C.CONTENT, _T.VALUES), (_C.CONDUCT, _T.VALUES)),
            _D.SELF_HARM,
            ("KEYWORD_SELF_MUTILATION", "KEYWORD_SUICIDE", "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS"),
            cross_cutting=(CrossCutting.HEALTH,), priority=PRIORITY_HIGH,
        ),
        RiskCategoryInfo(
            RiskCategory.HATE, "Hate",
            "Attacks on people for who they are: race, religion, disability, sexuality, gender and more.",
            ((_C.CONTENT, _T.AGGRESSIVE), (_C.CONTACT, _T.VALUES)),
            _D.ILLEGAL_OR_HARMFUL_SPEECH, ("KEYWORD_HATE_SPEECH",),
            cross_cutting=(CrossCutting.DISCRIMINATION,),
        ),
        RiskCategoryInfo(
            RiskCategory.PREDATORY_COMMERCE, "Predatory commerce",
            "Scams, manipulative purchases, gambling-like mechanics or marketing aimed at children.",
            ((_C.CONTRACT, _T.AGGRESSIVE), (_C.CONTRACT, _T.VALUES)),
            _D.CONSUMER_INFORMATION, ("KEYWORD_OTHER",), dsa_keyword_other="Predatory commerce targeting minors",
            aliases=("scam",),
        ),
        RiskCategoryInfo(
            RiskCategory.EXCESSIVE_USE, "Excessive use",
            "Design or pressure that keeps a child online against their interest.",
            ((_C.CONTRACT, _T.VALUES),),
            _D.OTHER_VIOLATION_TC, ("KEYWORD_OTHER",), dsa_keyword_other="Persuasive design / excessive use",
            cross_cutting=(CrossCutting.HEALTH,),
        ),
        RiskCategoryInfo(
            RiskCategory.PRIVACY_VIOLATION, "Privacy violation",
            "Sharing someone's personal information, images or location without consent.",
            (),
            _D.DATA_PROTECTION_AND_PRIVACY_VIOLATIONS, ("KEYWORD_OTHER",),
            dsa_keyword_other="Disclosure of personal information", cross_cutting=(CrossCutting.PRIVACY,),
            aliases=("doxxing",),
        ),
        RiskCategoryInfo(
            RiskCategory.OTHER, "Something else",
            "A report that fits no other category; a reviewer assigns the right one.",
            (),
            _D.NOT_SPECIFIED_NOTICE, ("KEYWORD_OTHER",), dsa_keyword_other="Not yet categorised",
        ),
    )
}


def category_info(code: RiskCategory | str) -> RiskCategoryInfo:
    return CATEGORIES[RiskCategory(code)]


CHILD_LABELS: dict[RiskCategory, str] = {
    RiskCategory.CSAM: "sexual pictures or videos of children",
    RiskCategory.GROOMING: "adults trying to get close to children in a way that isn't safe",
    RiskCategory.SEXTORTION: "threatening to share someone's private pictures",
    RiskCategory.SEXTING: "asking for or sharing private pictures of bodies",
    RiskCategory.CYBERBULLYING: "being mean, bullying or picking on people",
    RiskCategory.VIOLENT_CONTENT: "violent or scary things",
    RiskCategory.ADULT_CONTENT: "grown-up sexual stuff",
    RiskCategory.SELF_HARM: "hurting yourself",
    RiskCategory.HATE: "being nasty about who people are",
    RiskCategory.PREDATORY_COMMERCE: "tricking people into paying",
    RiskCategory.EXCESSIVE_USE: "keeping people online when it isn't good for them",
    RiskCategory.PRIVACY_VIOLATION: "sharing other people's private information",
    RiskCategory.OTHER: "keeping everyone safe",
}

EEA_COUNTRIES: tuple[str, ...] = (
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IS", "IT", "LI",
    "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
)
