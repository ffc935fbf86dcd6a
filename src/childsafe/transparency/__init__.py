"""EU Digital Services Act transparency: statements of reasons submitted to the DSA Transparency
Database (exactly once, through the outbox), the Art. 15/24 transparency report for a period under
the headings of Implementing Regulation (EU) 2024/2835, and daily figures for the console."""

from childsafe.transparency.metrics import DayFigures, daily

__all__ = ["DayFigures", "daily"]
