"""The shared vocabulary: every category maps outward, every reason maps inward, ages band correctly."""

import pytest

from childsafe.vocabulary import CATEGORIES, REPORT_REASONS, AgeBand, RiskCategory, category_info, is_minor_or_unknown
from childsafe.vocabulary.taxonomy import DsaCategory, NcmecIncidentType, Queue

# Keywords the DSA Transparency Database accepts for these categories (2025 schema).
KNOWN_KEYWORDS = {
    "KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL", "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS",
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS_MINORS", "KEYWORD_CYBER_BULLYING_INTIMIDATION", "KEYWORD_CYBER_HARASSMENT",
    "KEYWORD_ADULT_SEXUAL_MATERIAL", "KEYWORD_AGE_SPECIFIC_RESTRICTIONS", "KEYWORD_SELF_MUTILATION", "KEYWORD_SUICIDE",
    "KEYWORD_CONTENT_PROMOTING_EATING_DISORDERS", "KEYWORD_HATE_SPEECH", "KEYWORD_OTHER",
}


def test_every_named_category_of_the_issue_exists():
    assert {c.value for c in RiskCategory} >= {
        "csam", "grooming", "sextortion", "sexting", "cyberbullying", "violent_content", "adult_content",
        "self_harm", "hate", "predatory_commerce", "excessive_use", "privacy_violation"}
    assert set(CATEGORIES) == set(RiskCategory)


@pytest.mark.parametrize("code", list(RiskCategory))
def test_each_category_maps_to_dsa(code):
    info = category_info(code)
    assert isinstance(info.dsa_category, DsaCategory)
    assert set(info.dsa_keywords) <= KNOWN_KEYWORDS
    if "KEYWORD_OTHER" in info.dsa_keywords:
        assert info.dsa_keyword_other, "KEYWORD_OTHER needs its free-text specification"


def test_child_protection_mappings():
    csam = category_info("csam")
    assert csam.dsa_category is DsaCategory.PROTECTION_OF_MINORS
    assert csam.dsa_keywords == ("KEYWORD_CHILD_SEXUAL_ABUSE_MATERIAL",)
    assert csam.ncmec_incident_type is NcmecIncidentType.CHILD_PORNOGRAPHY
    assert csam.queue is Queue.CHILD_SAFETY and csam.priority == 0 and csam.sla.total_seconds() == 3600
    assert category_info("grooming").ncmec_incident_type is NcmecIncidentType.ONLINE_ENTICEMENT
    assert "KEYWORD_GROOMING_SEXUAL_ENTICEMENT_MINORS" in category_info("grooming").dsa_keywords
    assert category_info("cyberbullying").ncmec_incident_type is None
    assert category_info("cyberbullying").sla.total_seconds() == 24 * 3600


def test_core_cells_cover_the_4cs():
    cells = {c for info in CATEGORIES.values() for c, _ in info.cells}
    assert {c.value for c in cells} == {"content", "contact", "conduct", "contract"}
    assert category_info("privacy_violation").cross_cutting[0].value == "privacy"


def test_reasons_are_unique_and_mapped():
    codes = [r.code for r in REPORT_REASONS]
    assert len(codes) == len(set(codes))
    assert {r.category for r in REPORT_REASONS} >= {c for c in RiskCategory if c is not RiskCategory.OTHER}
    assert any(r.imminent_risk for r in REPORT_REASONS)
    for reason in REPORT_REASONS:
        assert len(reason.child_label) <= 70, "child labels stay short"


@pytest.mark.parametrize(("age", "band"), [(0, "under_6"), (5, "under_6"), (6, "6_9"), (9, "6_9"), (10, "10_12"),
                                            (12, "10_12"), (13, "13_15"), (15, "13_15"), (16, "16_17"),
                                            (17, "16_17"), (18, "adult"), (90, "adult")])
def test_age_bands(age, band):
    assert AgeBand.from_age(age).value == band


def test_unknown_age_is_a_child():
    assert is_minor_or_unknown(AgeBand.UNKNOWN) and is_minor_or_unknown(None) and is_minor_or_unknown("13_15")
    assert not is_minor_or_unknown("adult")
    with pytest.raises(ValueError):
        AgeBand.from_age(-1)
