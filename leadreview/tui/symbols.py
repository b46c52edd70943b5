"""How states read without colour: a symbol and a word, always both."""

from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.policy import Verdict

VERDICT_TEXT = {Verdict.SHOWN: "✓ shown", Verdict.FILTERED: "✗ filtered"}

DECISION_TEXT = {
    DecisionKind.POSSIBLE_LEAD: "● possible lead",
    DecisionKind.NOT_A_MATCH: "✗ not a match",
    DecisionKind.INCONCLUSIVE: "? inconclusive",
}
UNDECIDED_TEXT = "· undecided"

STATUS_TEXT = {
    LeadStatus.FILTERED: "⊘ filtered",
    LeadStatus.AWAITING_REVIEW: "… awaiting review",
    LeadStatus.AWAITING_AGREEMENT: "◐ awaiting agreement",
    LeadStatus.FORWARDED: "→ forwarded",
    LeadStatus.REJECTED: "✗ rejected",
    LeadStatus.INCONCLUSIVE: "? inconclusive",
    LeadStatus.DISPUTED: "⚠ disputed",
}


def decision_text(kind: DecisionKind | None) -> str:
    return UNDECIDED_TEXT if kind is None else DECISION_TEXT[kind]


def progress_text(done: int, total: int, width: int = 10) -> str:
    """'▰▰▰▱▱ 3/5 decided': the bar for the eye, the numbers for everyone."""
    filled = round(width * done / total) if total else width
    return f"{'▰' * filled}{'▱' * (width - filled)} {done}/{total} decided"


def column_label(name: str, in_force: bool) -> str:
    """A policy's column header on two lines (split at a hyphen), so that four policies
    and the decision fit in 120 columns; * marks the policy in force."""
    label = f"{name}{' *' if in_force else ''}"
    hyphens = [i for i, char in enumerate(name) if char == "-"]
    if len(label) <= 10 or not hyphens:
        return label
    middle = len(label) / 2
    cut = min(hyphens, key=lambda i: abs(i + 1 - middle)) + 1
    return f"{label[:cut]}\n{label[cut:]}"
