"""A reviewer's decision on a lead, and how decisions add up to a lead's status.

A lead is never a match by itself: a reviewer forwards it to the investigator as a
*possible lead*, or rejects it. A policy may require N reviewers to agree before a lead
is forwarded; any disagreement between reviewers is kept and shown, never averaged away.
"""

from collections.abc import Iterable
from enum import StrEnum


class DecisionKind(StrEnum):
    POSSIBLE_LEAD = "possible-lead"
    NOT_A_MATCH = "not-a-match"
    INCONCLUSIVE = "inconclusive"


class LeadStatus(StrEnum):
    FILTERED = "filtered"  # not shown under the policy in force: nobody reviews it
    AWAITING_REVIEW = "awaiting-review"
    AWAITING_AGREEMENT = "awaiting-agreement"  # possible-lead so far, fewer than N reviewers
    FORWARDED = "forwarded"
    REJECTED = "rejected"
    INCONCLUSIVE = "inconclusive"
    DISPUTED = "disputed"  # reviewers disagree
    BATCH = "batch"  # recorded by a batch run for analysis; nobody reviews it

    @property
    def open_for_decision(self) -> bool:
        return self in (LeadStatus.AWAITING_REVIEW, LeadStatus.AWAITING_AGREEMENT)


def lead_status(decisions: Iterable[DecisionKind], reviewers_required: int) -> LeadStatus:
    """The status that a shown lead's decisions (one per reviewer) add up to.

    Forwarding is the direction that can hurt someone, so it needs N agreeing reviewers;
    a single not-a-match or inconclusive is enough to stop a lead.
    """
    kinds = list(decisions)
    if not kinds:
        return LeadStatus.AWAITING_REVIEW
    if len(set(kinds)) > 1:
        return LeadStatus.DISPUTED
    kind = kinds[0]
    if kind is DecisionKind.NOT_A_MATCH:
        return LeadStatus.REJECTED
    if kind is DecisionKind.INCONCLUSIVE:
        return LeadStatus.INCONCLUSIVE
    if len(kinds) >= reviewers_required:
        return LeadStatus.FORWARDED
    return LeadStatus.AWAITING_AGREEMENT


def normalised_rationale(text: str) -> str:
    """The rationale as stored: surrounding whitespace removed. Empty means none was given."""
    return text.strip()


DEFAULT_MIN_RATIONALE_WORDS = 2


def rationale_words(text: str) -> int:
    return len(text.split())


def rationale_shortfall(text: str, min_words: int, policy_name: str) -> str | None:
    """Why a rationale is not enough under the policy in force, or None if it is."""
    words = rationale_words(text)
    if words == 0:
        return "a rationale is required: say what you compared and why"
    if words < min_words:
        return (
            f"the policy in force ({policy_name}) asks for a rationale of at least "
            f"{min_words} words, and this one has {words}: say what you compared and why"
        )
    return None
