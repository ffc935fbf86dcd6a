"""Age bands used for protective defaults, notices and reporting."""

from enum import StrEnum


class AgeBand(StrEnum):
    """The bands the Guidelines' age-appropriate design work keys on.

    ``UNKNOWN`` exists so callers never have to guess; every rule treats it as a child.
    """

    UNDER_6 = "under_6"
    AGE_6_9 = "6_9"
    AGE_10_12 = "10_12"
    AGE_13_15 = "13_15"
    AGE_16_17 = "16_17"
    ADULT = "adult"
    UNKNOWN = "unknown"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @classmethod
    def from_age(cls, years: int) -> "AgeBand":
        """Band for an age in whole years; negative ages are refused rather than guessed."""
        if years < 0:
            raise ValueError("age cannot be negative")
        for upper, band in ((6, cls.UNDER_6), (10, cls.AGE_6_9), (13, cls.AGE_10_12), (16, cls.AGE_13_15),
                            (18, cls.AGE_16_17)):
            if years < upper:
                return band
        return cls.ADULT


_LABELS = {
    AgeBand.UNDER_6: "under 6",
    AgeBand.AGE_6_9: "6-9",
    AgeBand.AGE_10_12: "10-12",
    AgeBand.AGE_13_15: "13-15",
    AgeBand.AGE_16_17: "16-17",
    AgeBand.ADULT: "adult",
    AgeBand.UNKNOWN: "unknown",
}


def is_minor_or_unknown(band: AgeBand | str | None) -> bool:
    """Safety default: anyone not known to be an adult is treated as a child."""
    return band is None or AgeBand(band) is not AgeBand.ADULT
