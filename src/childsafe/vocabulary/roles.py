"""Roles an API key or console user can hold."""

from enum import StrEnum


class Role(StrEnum):
    SERVICE = "service"  # the platform's backend: submits reports and appeals, receives notices
    MODERATOR = "moderator"
    CHILD_SAFETY_SPECIALIST = "child_safety_specialist"  # the only role that may open suspected CSAM
    COMPLIANCE = "compliance"  # statements of reasons, audit, figures; no case content
    ADMIN = "admin"  # keys and configuration; deliberately no case content either


REVIEWER_ROLES = frozenset({Role.MODERATOR, Role.CHILD_SAFETY_SPECIALIST})
