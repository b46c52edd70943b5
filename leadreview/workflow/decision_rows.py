"""The statements of a decision, in plain SQL on a `Store.writing()` unit.

A decision is the write a reviewer waits for, one after another; through the ORM its
statements cost more to build, compile and load than to run (issue 17). These are the
fewest statements it needs: one read of the lead with its case, the policy in force, the
deciding reviewer's id, the lead's verdicts and its earlier decisions; then the lead's
UPDATE, the decision's INSERT … RETURNING and the audit append. Column types the
driver does not map the way SQLAlchemy does (datetimes on SQLite are text) go through
SQLAlchemy's own processors, so these rows read and write exactly as the ORM's.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from leadreview.domain.decision import DEFAULT_MIN_RATIONALE_WORDS, DecisionKind
from leadreview.domain.roles import Actor
from leadreview.store.tables.workflow import DecisionRow, ReviewerRow
from leadreview.store.unit import WriteUnit
from leadreview.workflow.errors import NotFound
from leadreview.workflow.policy_documents import document_min_rationale_words
from leadreview.workflow.sql import as_utc, table_of
from leadreview.workflow.views import DecisionView

_LEAD = """
SELECT l.case_id, l.search_id, l.rank, l.similarity, l.face_id, l.external_image_id,
       l.shown, l.status, l.version, c.id, c.reviewers_required, c.policy_sha256,
       c.policy_name, s.policy_name,
       (SELECT r.id FROM reviewer r WHERE r.name = ? AND r.role = ?),
       v.id, v.policy_name, v.policy_sha256, v.verdict, v.rule, v.reason,
       d.id, r.name, r.role, d.kind, d.rationale, d.decided_at, d.lead_version
FROM lead l
JOIN search s ON s.id = l.search_id
LEFT JOIN review_case c ON c.id = l.case_id
LEFT JOIN policy_verdict v ON v.lead_id = l.id
LEFT JOIN decision d ON d.lead_id = l.id
LEFT JOIN reviewer r ON r.id = d.reviewer_id
WHERE l.id = ?
"""
_EARLIER = """
SELECT d.id, r.name, r.role, d.kind, d.rationale, d.decided_at, d.lead_version
FROM decision d JOIN reviewer r ON r.id = d.reviewer_id
WHERE d.lead_id = ?
ORDER BY d.id
"""
_POLICY_DOCUMENT = "SELECT content, path FROM policy_document WHERE sha256 = ?"
_UPDATE_LEAD = "UPDATE lead SET status = ?, version = ? WHERE id = ? AND version = ?"
_INSERT_DECISION = (
    "INSERT INTO decision (lead_id, reviewer_id, kind, rationale, decided_at, lead_version)"
    " VALUES (?, ?, ?, ?, ?, ?) RETURNING id"
)
_INSERT_REVIEWER = (
    "INSERT INTO reviewer (name, role, registered_at) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING RETURNING id"
)
_REVIEWER = "SELECT id FROM reviewer WHERE name = ? AND role = ?"
_DECIDED_AT = table_of(DecisionRow).c.decided_at.type
_REGISTERED_AT = table_of(ReviewerRow).c.registered_at.type


class LeadForDecision(NamedTuple):
    """What a decision reads of its lead, under the writer lock. A named tuple, not a
    frozen dataclass: built once per decision, and a frozen dataclass's per-field
    `object.__setattr__` cost more than the fields' values did to compute."""

    case_id: int | None
    search_id: int
    rank: int
    similarity: float
    face_id: str
    external_image_id: str | None
    shown: bool
    status: str
    version: int
    has_case: bool
    reviewers_required: int
    policy_sha256: str
    policy_name: str
    reviewer_id: int | None  # the deciding actor's row, None before their first action
    # The VerdictView fields as stored: validated once with the view that holds them
    # (pydantic's validator builds models faster than `model_construct` does).
    verdicts: tuple[dict[str, Any], ...]
    earlier: tuple[DecisionView, ...]  # the lead's decisions so far, oldest first


def lead_for_decision(unit: WriteUnit, lead_id: int, actor: Actor) -> LeadForDecision:
    """The lead with everything a decision checks, in one statement: its verdicts and its
    earlier decisions joined to it (a few rows: policies x decisions so far).

    The rows come unordered and are put in id order here: SQLite's sort of the joined
    rows (a temporary B-tree of every column) was a third of the statement's time,
    sorting a few ids in Python costs next to nothing (issue 17)."""
    rows = unit.execute(_LEAD, (actor.name, actor.role.value, lead_id)).fetchall()
    if not rows:
        raise NotFound(f"lead {lead_id}: no such lead")
    first = rows[0]
    in_force = first[13]
    verdicts: dict[int, dict[str, Any]] = {}
    decided: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        if row[15] is not None and row[15] not in verdicts:
            name, sha256, verdict, rule, reason = row[16:21]
            verdicts[row[15]] = {
                "policy_name": name,
                "policy_sha256": sha256,
                "verdict": verdict,
                "rule": rule,
                "reason": reason,
                "in_force": name == in_force,
            }
        if row[21] is not None:
            decided.setdefault(row[21], row[21:28])
    return LeadForDecision(
        case_id=first[0],
        search_id=first[1],
        rank=first[2],
        similarity=first[3],
        face_id=first[4],
        external_image_id=first[5],
        shown=bool(first[6]),
        status=first[7],
        version=first[8],
        has_case=first[9] is not None,
        reviewers_required=first[10] or 0,
        policy_sha256=first[11] or "",
        policy_name=first[12] or "",
        reviewer_id=first[14],
        verdicts=tuple(verdicts[k] for k in sorted(verdicts)),
        earlier=tuple(_decision_views(unit, lead_id, [decided[k] for k in sorted(decided)])),
    )


def earlier_decisions(unit: WriteUnit, lead_id: int) -> list[DecisionView]:
    """The lead's decisions so far, oldest first (read again: after a conflict, what
    the other writer committed)."""
    return _decision_views(unit, lead_id, unit.execute(_EARLIER, (lead_id,)).fetchall())


def _decision_views(
    unit: WriteUnit, lead_id: int, rows: Sequence[Sequence[Any]]
) -> list[DecisionView]:
    decided_at = unit.result(_DECIDED_AT)
    return [
        DecisionView(
            decision_id=decision_id,
            lead_id=lead_id,
            reviewer=name,
            role=role,
            kind=kind,
            rationale=rationale,
            decided_at=as_utc(decided_at(when)),
            lead_version=lead_version,
        )
        for decision_id, name, role, kind, rationale, when, lead_version in rows
    ]


# Minimum rationale lengths by policy digest, once the stored document was seen to hash
# to it: a document is immutable under its digest, so it is read and parsed once per
# process, not on every decision. An altered or missing one is never remembered.
_min_words: dict[str, int] = {}


def min_rationale_words(unit: WriteUnit, sha256: str) -> int:
    """The minimum rationale, in words, of the policy stored under `sha256`."""
    known = _min_words.get(sha256)
    if known is not None:
        return known
    row = unit.execute(_POLICY_DOCUMENT, (sha256,)).fetchone()
    words = None if row is None else document_min_rationale_words(sha256, bytes(row[0]), row[1])
    if words is None:
        # An altered or missing document is `audit verify`'s to report; the default
        # still refuses a rationale of a keystroke.
        return DEFAULT_MIN_RATIONALE_WORDS
    _min_words[sha256] = words
    return words


def update_lead(unit: WriteUnit, lead_id: int, seen: int, status: str) -> bool:
    """Move the lead from version `seen` to the next; False if it is no longer at `seen`."""
    return int(unit.execute(_UPDATE_LEAD, (status, seen + 1, lead_id, seen)).rowcount) == 1


def insert_decision(
    unit: WriteUnit,
    *,
    lead_id: int,
    reviewer_id: int,
    kind: DecisionKind,
    rationale: str,
    decided_at: datetime,
    lead_version: int,
) -> int:
    when = unit.bind(_DECIDED_AT)(decided_at)
    parameters = (lead_id, reviewer_id, kind.value, rationale, when, lead_version)
    return int(unit.execute(_INSERT_DECISION, parameters).fetchone()[0])


def register_reviewer(unit: WriteUnit, actor: Actor, now: datetime) -> tuple[int, bool]:
    """The actor's reviewer id, inserting the row on first use; (id, whether inserted).
    ON CONFLICT covers two first actions racing."""
    when = unit.bind(_REGISTERED_AT)(now)
    inserted: Any = unit.execute(_INSERT_REVIEWER, (actor.name, actor.role.value, when)).fetchone()
    if inserted is not None:
        return int(inserted[0]), True
    found = unit.execute(_REVIEWER, (actor.name, actor.role.value)).fetchone()
    return int(found[0]), False
