"""A reviewer's decision on a lead, written with its audit event in one transaction.

Concurrency is optimistic: the lead's `version` the reviewer saw must still be the
lead's version when the decision is written (`UPDATE … WHERE version = :seen`). If
another session decided first, the decision is reported as a conflict naming who decided,
and nothing is overwritten.
"""

from datetime import datetime

from leadreview.audit.models import NewEvent
from leadreview.domain.decision import (
    DecisionKind,
    LeadStatus,
    lead_status,
    normalised_rationale,
    rationale_shortfall,
)
from leadreview.domain.roles import Action, Actor
from leadreview.store.unit import WriteUnit
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.decision_rows import (
    earlier_decisions,
    insert_decision,
    lead_for_decision,
    min_rationale_words,
    register_reviewer,
    update_lead,
)
from leadreview.workflow.errors import DecisionConflict, EmptyRationale, LeadNotOpen
from leadreview.workflow.permissions import require
from leadreview.workflow.sql import as_utc
from leadreview.workflow.views import DecisionView, LeadView

MAX_RATIONALE = 4000
# Looked up once: an enum member's `.value` is a Python-level descriptor call, and a
# decision used a dozen of them (issue 17).
_LEAD_DECIDED = EventType.LEAD_DECIDED.value
_STATUS_OF = {status.value: status for status in LeadStatus}


def decide_lead(
    ctx: WorkflowContext,
    actor: Actor,
    lead_id: int,
    kind: DecisionKind,
    rationale: str,
    *,
    expected_version: int | None = None,
) -> LeadView:
    """Record `actor`'s decision on a shown lead; returns the lead as decided.

    Pass the `version` of the lead the reviewer was looking at as `expected_version`;
    without it, only a decision racing this very call is detected.
    """
    require(ctx, actor, Action.DECIDE_LEAD, {"lead_id": lead_id, "decision": kind.value})
    text = normalised_rationale(rationale)
    if not text:
        raise EmptyRationale(f"decision on lead {lead_id}: the rationale must not be empty")
    if len(text) > MAX_RATIONALE:
        raise EmptyRationale(
            f"decision on lead {lead_id}: the rationale is {len(text)} characters "
            f"(at most {MAX_RATIONALE})"
        )
    now = ctx.clock()
    # Plain SQL on the driver's connection (decision_rows.py): the fewest statements,
    # nothing read back after it was written, views built from what was read and written.
    with ctx.store.writing() as unit:
        lead = lead_for_decision(unit, lead_id, actor)
        seen = lead.version if expected_version is None else expected_version
        if lead.version != seen:
            raise _conflict(unit, lead_id, seen)
        status = _STATUS_OF.get(lead.status) or LeadStatus(lead.status)
        if not status.open_for_decision:
            raise _not_open(unit, lead_id, status)
        assert lead.has_case  # only case leads are ever open for decision
        earlier = lead.earlier
        if any(d.reviewer == actor.name for d in earlier):
            raise LeadNotOpen(
                f"lead {lead_id}: {actor.name!r} has already decided it; "
                f"a second reviewer must be someone else"
            )
        shortfall = rationale_shortfall(
            text, min_rationale_words(unit, lead.policy_sha256), lead.policy_name
        )
        if shortfall is not None:
            raise EmptyRationale(f"decision on lead {lead_id}: {shortfall}")
        kinds = [d.kind for d in earlier] + [kind]
        new_status = lead_status(kinds, lead.reviewers_required)
        votes = kinds.count(DecisionKind.POSSIBLE_LEAD)
        disagreement = kinds.count(kind) != len(kinds)  # not a set: enums hash in Python
        kind_value, role, status_after = kind.value, actor.role.value, new_status.value
        if not update_lead(unit, lead_id, seen, status_after):
            raise _conflict(unit, lead_id, seen)
        reviewer = lead.reviewer_id
        if reviewer is None:
            reviewer = _register(ctx, unit, actor, now)
        decision_id = insert_decision(
            unit,
            lead_id=lead_id,
            reviewer_id=reviewer,
            kind=kind,
            rationale=text,
            decided_at=now,
            lead_version=seen,
        )
        payload = {
            "decision_id": decision_id,
            "case_id": lead.case_id,
            "lead_id": lead_id,
            "search_id": lead.search_id,
            "rank": lead.rank,
            "decision": kind_value,
            "rationale": text,
            "lead_version": seen,
            "status_before": status.value,
            "status_after": status_after,
            "reviewers_required": lead.reviewers_required,
            "possible_lead_votes": votes,
            "disagreement": disagreement,
            "earlier_decisions": [
                {"reviewer": d.reviewer, "role": d.role.value, "decision": d.kind.value}
                for d in earlier
            ],
        }
        ctx.audit.append_many(unit, [NewEvent(actor.name, role, _LEAD_DECIDED, payload)])
    decided = DecisionView(
        decision_id=decision_id,
        lead_id=lead_id,
        reviewer=actor.name,
        role=actor.role,
        kind=kind,
        rationale=text,
        decided_at=as_utc(now),
        lead_version=seen,
    )
    return LeadView(
        lead_id=lead_id,
        case_id=lead.case_id,
        search_id=lead.search_id,
        rank=lead.rank,
        similarity=lead.similarity,
        face_id=lead.face_id,
        external_image_id=lead.external_image_id,
        shown=lead.shown,
        status=new_status,
        version=seen + 1,
        reviewers_required=lead.reviewers_required,
        verdicts=lead.verdicts,
        decisions=(*earlier, decided),
        possible_lead_votes=votes,
        disagreement=disagreement,
    )


def _register(ctx: WorkflowContext, unit: WriteUnit, actor: Actor, now: datetime) -> int:
    """The actor's first action: their reviewer row, and the event that records it."""
    found, inserted = register_reviewer(unit, actor, now)
    if inserted:
        payload = {"reviewer_id": found, "name": actor.name, "role": actor.role.value}
        registered = EventType.REVIEWER_REGISTERED.value
        ctx.audit.append_many(unit, [NewEvent(actor.name, actor.role.value, registered, payload)])
    return found


def _who(unit: WriteUnit, lead_id: int) -> str:
    earlier = earlier_decisions(unit, lead_id)
    return ", ".join(f"{d.reviewer} ({d.role.value}): {d.kind.value}" for d in earlier) or "nobody"


def _conflict(unit: WriteUnit, lead_id: int, seen: int) -> DecisionConflict:
    # Under PostgreSQL's READ COMMITTED this statement sees the other session's commit.
    earlier = earlier_decisions(unit, lead_id)
    return DecisionConflict(
        f"lead {lead_id} changed since version {seen}: decided meanwhile by "
        f"{_who(unit, lead_id)}; your decision was not recorded, reload the lead",
        lead_id=lead_id,
        decided_by=tuple(d.reviewer for d in earlier),
    )


def _not_open(unit: WriteUnit, lead_id: int, status: LeadStatus) -> LeadNotOpen:
    if status is LeadStatus.FILTERED:
        return LeadNotOpen(f"lead {lead_id}: filtered by the policy in force; nobody reviews it")
    if status is LeadStatus.BATCH:
        return LeadNotOpen(f"lead {lead_id}: recorded by a batch run, not open for review")
    return LeadNotOpen(
        f"lead {lead_id} is already {status.value} (decided by {_who(unit, lead_id)})"
    )
