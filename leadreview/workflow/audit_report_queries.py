"""Read-only queries behind the audit report: every decision with every policy's verdict
on its lead, and what each policy would have changed. Nothing here writes.

Verdicts are fetched by lead id in chunks, so a log with a hundred thousand decisions
stays under SQLite's limit on bound parameters.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence

from sqlmodel import Session, col, select

from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.policy import Verdict
from leadreview.domain.roles import Role
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    LeadRow,
    PolicyVerdictRow,
    ReviewerRow,
)
from leadreview.workflow.audit_queries import forwarded_leads_filtered_by
from leadreview.workflow.audit_report_views import DecisionRecord, PolicyTally
from leadreview.workflow.queries import verdict_view
from leadreview.workflow.sql import as_utc
from leadreview.workflow.views import FilteredLeadView, VerdictView

CHUNK = 5000


def _verdicts(
    session: Session, lead_ids: Sequence[int], in_force: dict[int, str]
) -> dict[int, list[VerdictView]]:
    out: dict[int, list[VerdictView]] = defaultdict(list)
    unique = sorted(set(lead_ids))
    for start in range(0, len(unique), CHUNK):
        for v in session.exec(
            select(PolicyVerdictRow)
            .where(col(PolicyVerdictRow.lead_id).in_(unique[start : start + CHUNK]))
            .order_by(col(PolicyVerdictRow.id))
        ).all():
            out[v.lead_id].append(
                verdict_view(v, in_force=v.policy_name == in_force.get(v.lead_id))
            )
    return out


def decision_records(session: Session) -> list[DecisionRecord]:
    """Every decision on record, oldest first, with each policy's verdict on its lead."""
    rows = session.exec(
        select(DecisionRow, ReviewerRow, LeadRow, CaseRow)
        .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
        .join(LeadRow, col(LeadRow.id) == col(DecisionRow.lead_id))
        .join(CaseRow, col(CaseRow.id) == col(LeadRow.case_id))
        .order_by(col(DecisionRow.id))
    ).all()
    in_force = {lead.id: case.policy_name for _, _, lead, case in rows if lead.id is not None}
    verdicts = _verdicts(session, list(in_force), in_force)
    records = []
    for decision, reviewer, lead, case in rows:
        assert decision.id is not None and lead.id is not None and case.id is not None
        records.append(
            DecisionRecord(
                decision_id=decision.id,
                decided_at=as_utc(decision.decided_at),
                case_id=case.id,
                offense=case.offense,
                lead_id=lead.id,
                rank=lead.rank,
                similarity=lead.similarity,
                lead_status=LeadStatus(lead.status),
                reviewer=reviewer.name,
                role=Role(reviewer.role),
                kind=DecisionKind(decision.kind),
                rationale=decision.rationale,
                verdicts=tuple(verdicts[lead.id]),
            )
        )
    return records


def case_policy_names(session: Session) -> list[str]:
    """Every policy that gave a verdict on a case's lead (batch runs are not reviewed)."""
    names = session.exec(
        select(PolicyVerdictRow.policy_name)
        .join(LeadRow, col(LeadRow.id) == col(PolicyVerdictRow.lead_id))
        .where(col(LeadRow.case_id).is_not(None))
        .distinct()
    ).all()
    return sorted(names)


def forwarded_filtered_by_policy(
    session: Session, policy_names: Sequence[str]
) -> dict[str, tuple[FilteredLeadView, ...]]:
    return {name: tuple(forwarded_leads_filtered_by(session, name)) for name in policy_names}


def by_decision(records: Sequence[DecisionRecord]) -> dict[DecisionKind, int]:
    counts = Counter(r.kind for r in records)
    return {kind: counts[kind] for kind in DecisionKind}


def policy_tallies(
    records: Sequence[DecisionRecord],
    policy_names: Sequence[str],
    forwarded: dict[str, tuple[FilteredLeadView, ...]],
) -> list[PolicyTally]:
    tallies = []
    for name in policy_names:
        seen = [(r.kind, r.verdict_for(name)) for r in records]
        judged = [(kind, v) for kind, v in seen if v is not None]
        filtered = Counter(kind for kind, v in judged if v.verdict is Verdict.FILTERED)
        tallies.append(
            PolicyTally(
                policy_name=name,
                policy_sha256s=tuple(sorted({v.policy_sha256 for _, v in judged})),
                decisions=len(judged),
                on_shown=sum(v.verdict is Verdict.SHOWN for _, v in judged),
                on_filtered=sum(filtered.values()),
                filtered_by_decision={kind: filtered[kind] for kind in DecisionKind},
                forwarded_filtered=len(forwarded.get(name, ())),
            )
        )
    return tallies
