"""Filtered reads of the audit log for `audit show`: by case, reviewer and decision, and
the forwarded leads a named policy would have filtered, with their decision events.

Every filter runs in SQL, so `--limit` counts matching events and the log is never
loaded whole into Python. Payloads are canonical JSON text (no schema change): a LIKE
on the canonical form narrows the scan cheaply, and the backend's JSON functions
(SQLite `json_extract`, PostgreSQL `jsonb #>>`) then decide exactly, on the top-level
key — the same rule as `audit_queries.case_events`, whose Python check this replaces.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session

from leadreview.audit.models import ROW_COLUMNS, AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Action, Actor
from leadreview.errors import LeadreviewError
from leadreview.store.tables.audit import AUDIT_EVENT_TABLE
from leadreview.store.tables.workflow import PolicyDocumentRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require
from leadreview.workflow.queries import get_case
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.sql import table_of
from leadreview.workflow.views import FilteredLeadView

_EVENT = AUDIT_EVENT_TABLE
_DECIDED = EventType.LEAD_DECIDED.value


@dataclass(frozen=True)
class EventQuery:
    """What `audit show` asks for; every field given narrows the result (AND)."""

    event_type: str | None = None
    actor: str | None = None
    since_seq: int | None = None
    limit: int | None = 100
    case_id: int | None = None
    reviewer: str | None = None  # decisions (lead.decided) by this person
    decision: DecisionKind | None = None  # lead.decided events with this decision

    def subject(self) -> dict[str, object]:
        """The filters given, for a refusal's record: what the reader tried to see."""
        return {k: str(v) if isinstance(v, DecisionKind) else v for k, v in asdict(self).items()}


class UnknownPolicy(LeadreviewError):
    """`--filtered-by` names a policy neither bundled nor stored: one line, exit 2."""


@dataclass(frozen=True)
class FilteredLeadRow:
    """A forwarded lead the policy would have filtered, with the seq of each decision."""

    lead: FilteredLeadView
    decision_seqs: tuple[int, ...]


def show_events(ctx: WorkflowContext, viewer: Actor, query: EventQuery) -> list[AuditEvent]:
    """The events matching `query`, oldest first, for a viewer who may read the log.

    Like `ReviewWorkflow.case_events`: the role is checked first and a refusal is
    recorded; a successful read is not (reads are not events here either)."""
    require(ctx, viewer, Action.VIEW_AUDIT, {"audit": "show", **query.subject()})
    with ctx.store.reading() as session:
        if query.case_id is not None:
            get_case(session, query.case_id)  # an unknown case is NotFound, not "no events"
        return filtered_events(session, query)


def filtered_events(session: Session, query: EventQuery) -> list[AuditEvent]:
    decisions_only = query.reviewer is not None or query.decision is not None
    if decisions_only and query.event_type not in (None, _DECIDED):
        raise LeadreviewError(
            f"--reviewer and --decision match {_DECIDED} events only, not --type {query.event_type}"
        )
    if query.reviewer is not None and query.actor not in (None, query.reviewer):
        raise LeadreviewError("--actor and --reviewer name different people: nothing can match")
    statement = sa.select(*(_EVENT.c[name] for name in ROW_COLUMNS))
    event_type = _DECIDED if decisions_only else query.event_type
    if event_type is not None:
        statement = statement.where(_EVENT.c.event_type == event_type)
    actor = query.reviewer or query.actor
    if actor is not None:
        statement = statement.where(_EVENT.c.actor == actor)
    if query.since_seq is not None:
        statement = statement.where(_EVENT.c.seq >= query.since_seq)
    if query.case_id is not None:
        statement = statement.where(_about_case(session, query.case_id))
    if query.decision is not None:
        statement = statement.where(
            _like(f'"decision":"{query.decision.value}"'),
            _json_text(session, "decision") == query.decision.value,
        )
    statement = statement.order_by(_EVENT.c.seq)
    if query.limit is not None:
        statement = statement.limit(query.limit)
    return [AuditEvent.from_raw(tuple(row)) for row in session.execute(statement)]


def _about_case(session: Session, case_id: int) -> sa.ColumnElement[bool]:
    # The canonical text holds `"case_id":N` followed by `,` or `}`; a quote cannot occur
    # unescaped inside a JSON string, so this only meets keys, never text a user typed.
    # Keys at any depth match the LIKE, so the JSON check keeps the top-level `case_id`
    # and a refusal's `subject.case_id` (what the case was the target of).
    needle = f'"case_id":{case_id}'
    value = str(case_id)
    return sa.and_(
        sa.or_(_like(f"{needle},"), _like(f"{needle}}}")),
        sa.or_(
            _json_text(session, "case_id") == value,
            _json_text(session, "subject", "case_id") == value,
        ),
    )


def _like(fragment: str) -> sa.ColumnElement[bool]:
    escaped = fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return _EVENT.c.payload.like(f"%{escaped}%", escape="\\")


def _json_text(session: Session, *path: str) -> sa.ColumnElement[str]:
    """The payload's value at `path` as text ('3', 'not-a-match'); NULL where absent."""
    if session.get_bind().dialect.name == "postgresql":
        as_text: sa.ColumnElement[str] = sa.cast(_EVENT.c.payload, JSONB)[path].astext
        return as_text
    return sa.cast(sa.func.json_extract(_EVENT.c.payload, "$." + ".".join(path)), sa.Text)


def decision_seqs(session: Session, lead_ids: Sequence[int]) -> dict[int, tuple[int, ...]]:
    """lead id -> seq of each of its lead.decided events, oldest first."""
    found: dict[int, list[int]] = defaultdict(list)
    if not lead_ids:
        return {}
    lead = _json_text(session, "lead_id")
    for seq, lead_id in session.execute(
        sa.select(_EVENT.c.seq, lead)
        .where(_EVENT.c.event_type == _DECIDED, lead.in_([str(i) for i in lead_ids]))
        .order_by(_EVENT.c.seq)
    ):
        found[int(lead_id)].append(int(seq))
    return {k: tuple(v) for k, v in found.items()}


def known_policy_names(session: Session) -> set[str]:
    """Every policy some verdict in this store was given under."""
    names = table_of(PolicyDocumentRow).c.name
    return set(session.execute(sa.select(names).distinct()).scalars())


def forwarded_filtered_by(
    workflow: ReviewWorkflow,
    viewer: Actor,
    policy_name: str,
    *,
    bundled: Sequence[str] = (),
    case_id: int | None = None,
    reviewer: str | None = None,
    limit: int | None = None,
) -> list[FilteredLeadRow]:
    """Forwarded leads `policy_name` would have filtered, narrowed to a case or to the
    leads `reviewer` forwarded. The workflow checks the role (and records a refusal);
    its result is small — only human-forwarded leads — so narrowing it here is cheap."""
    leads = workflow.forwarded_leads_filtered_by(viewer, policy_name)
    with workflow.ctx.store.reading() as session:
        if not leads and policy_name not in {*bundled, *known_policy_names(session)}:
            raise UnknownPolicy(f"--filtered-by {policy_name!r}: no such policy")
        if case_id is not None:
            get_case(session, case_id)
        chosen = [
            v
            for v in leads
            if (case_id is None or v.case_id == case_id)
            and (reviewer is None or reviewer in v.forwarded_by)
        ][:limit]
        seqs = decision_seqs(session, [v.lead_id for v in chosen])
    return [FilteredLeadRow(lead=v, decision_seqs=seqs.get(v.lead_id, ())) for v in chosen]
