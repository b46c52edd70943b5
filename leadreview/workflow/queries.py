"""Read models built from the tables: the case queue, a case with its leads, a lead.

Functions take an open session (the caller chooses the transaction) and return frozen
views; none of them writes.
"""

from collections import Counter, defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from leadreview.domain.case import CaseStatus
from leadreview.domain.decision import DecisionKind, LeadStatus
from leadreview.domain.enforcement import EnforcementKind, EvidenceItem
from leadreview.domain.policy import DecidingRule, UseCase, Verdict
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Action, Actor, Role, may
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    EnforcementRequestRow,
    LeadRow,
    PolicyVerdictRow,
    ProbeRow,
    ReviewerRow,
    SearchRow,
)
from leadreview.workflow.errors import NotFound
from leadreview.workflow.policy_documents import min_rationale_words
from leadreview.workflow.sql import as_utc
from leadreview.workflow.views import (
    CaseDetail,
    CaseSummary,
    DecisionView,
    EnforcementView,
    LeadView,
    PolicyRef,
    ProbeView,
    SearchView,
    VerdictView,
)


def get_case(session: Session, case_id: int) -> CaseRow:
    row = session.get(CaseRow, case_id)
    if row is None:
        raise NotFound(f"case {case_id}: no such case")
    return row


def get_lead(session: Session, lead_id: int) -> LeadRow:
    row = session.get(LeadRow, lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id}: no such lead")
    return row


def case_summaries(
    session: Session,
    *,
    viewer: Actor | None = None,
    status: CaseStatus | None = None,
    case_ids: Sequence[int] | None = None,
) -> list[CaseSummary]:
    """The case queue, newest first, with lead counts and the viewer's own progress."""
    query = select(CaseRow, ReviewerRow).join(
        ReviewerRow, col(ReviewerRow.id) == col(CaseRow.opened_by_id)
    )
    if status is not None:
        query = query.where(col(CaseRow.status) == status.value)
    if case_ids is not None:
        query = query.where(col(CaseRow.id).in_(list(case_ids)))
    cases = session.exec(query.order_by(col(CaseRow.id).desc())).all()
    ids = [c.id for c, _ in cases if c.id is not None]
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    totals: Counter[int] = Counter()
    for case_id, lead_status, shown, n in session.exec(
        select(LeadRow.case_id, LeadRow.status, LeadRow.shown, func.count())
        .where(col(LeadRow.case_id).in_(ids))
        .group_by(col(LeadRow.case_id), col(LeadRow.status), col(LeadRow.shown))
    ).all():
        assert case_id is not None
        totals[case_id] += n
        if shown:
            counts[case_id][lead_status] += n
    decided: Counter[int] = Counter()
    pending: Counter[int] = Counter()
    if viewer is not None:
        decided, pending = _viewer_progress(session, viewer, ids)
    rationale_minimums = {
        sha: min_rationale_words(session, sha) for sha in {c.policy_sha256 for c, _ in cases}
    }
    summaries = []
    for case, opener in cases:
        assert case.id is not None
        c = counts[case.id]
        summaries.append(
            CaseSummary(
                case_id=case.id,
                offense=case.offense,
                use_case=UseCase(case.use_case),
                status=CaseStatus(case.status),
                opened_by=opener.name,
                opened_by_role=Role(opener.role),
                opened_at=as_utc(case.opened_at),
                policy_name=case.policy_name,
                policy_sha256=case.policy_sha256,
                reviewers_required=case.reviewers_required,
                min_rationale_words=rationale_minimums[case.policy_sha256],
                lead_count=totals[case.id],
                shown_count=sum(c.values()),
                awaiting_count=c[LeadStatus.AWAITING_REVIEW] + c[LeadStatus.AWAITING_AGREEMENT],
                forwarded_count=c[LeadStatus.FORWARDED],
                rejected_count=c[LeadStatus.REJECTED],
                inconclusive_count=c[LeadStatus.INCONCLUSIVE],
                disputed_count=c[LeadStatus.DISPUTED],
                viewer_decided=decided[case.id] if viewer is not None else None,
                viewer_pending=pending[case.id] if viewer is not None else None,
            )
        )
    return summaries


def _viewer_progress(
    session: Session, viewer: Actor, case_ids: list[int]
) -> tuple[Counter[int], Counter[int]]:
    mine = (
        select(DecisionRow.lead_id)
        .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
        .where(col(ReviewerRow.name) == viewer.name, col(ReviewerRow.role) == viewer.role.value)
    )
    decided_ids = set(session.exec(mine).all())
    decided: Counter[int] = Counter()
    pending: Counter[int] = Counter()
    open_states = [LeadStatus.AWAITING_REVIEW.value, LeadStatus.AWAITING_AGREEMENT.value]
    for lead_id, case_id, lead_status in session.exec(
        select(LeadRow.id, LeadRow.case_id, LeadRow.status).where(
            col(LeadRow.case_id).in_(case_ids), col(LeadRow.shown).is_(True)
        )
    ).all():
        assert case_id is not None
        if lead_id in decided_ids:
            decided[case_id] += 1
        elif lead_status in open_states:
            pending[case_id] += 1
    return decided, pending


def case_summary(session: Session, case_id: int, viewer: Actor | None = None) -> CaseSummary:
    found = case_summaries(session, viewer=viewer, case_ids=[case_id])
    if not found:
        raise NotFound(f"case {case_id}: no such case")
    return found[0]


def probe_view(row: ProbeRow) -> ProbeView:
    assert row.id is not None
    return ProbeView(
        probe_id=row.id,
        probe_ref=row.probe_ref,
        quality=CaptureQuality(row.quality),
        source=row.source,
        captured_at=as_utc(row.captured_at) if row.captured_at else None,
        image_sha256=row.image_sha256,
        image_size=len(row.image or b""),
    )


def search_view(row: SearchRow) -> SearchView:
    assert row.id is not None
    return SearchView(
        search_id=row.id,
        searched_at=as_utc(row.searched_at),
        collection_id=row.collection_id,
        face_match_threshold=row.face_match_threshold,
        max_faces=row.max_faces,
        policy_name=row.policy_name,
        policy_sha256=row.policy_sha256,
        face_model_version=row.face_model_version,
        lead_count=row.lead_count,
        policy_count=row.policy_count,
    )


def lead_views(session: Session, leads: Sequence[LeadRow]) -> list[LeadView]:
    """Views of `leads` (in the order given) with their verdicts and decisions."""
    ids = [lead.id for lead in leads]
    search_ids = {lead.search_id for lead in leads}
    in_force = {
        s.id: s.policy_name
        for s in session.exec(select(SearchRow).where(col(SearchRow.id).in_(search_ids))).all()
    }
    required = {
        c.id: c.reviewers_required
        for c in session.exec(
            select(CaseRow).where(col(CaseRow.id).in_({lead.case_id for lead in leads}))
        ).all()
    }
    verdicts: dict[int, list[PolicyVerdictRow]] = defaultdict(list)
    for v in session.exec(
        select(PolicyVerdictRow)
        .where(col(PolicyVerdictRow.lead_id).in_(ids))
        .order_by(col(PolicyVerdictRow.id))
    ).all():
        verdicts[v.lead_id].append(v)
    decisions: dict[int, list[DecisionView]] = defaultdict(list)
    for d in decision_views(session, ids):
        decisions[d.lead_id].append(d)
    views = []
    for lead in leads:
        assert lead.id is not None
        mine = decisions[lead.id]
        views.append(
            LeadView(
                lead_id=lead.id,
                case_id=lead.case_id,
                search_id=lead.search_id,
                rank=lead.rank,
                similarity=lead.similarity,
                face_id=lead.face_id,
                external_image_id=lead.external_image_id,
                shown=lead.shown,
                status=LeadStatus(lead.status),
                version=lead.version,
                reviewers_required=required.get(lead.case_id, 1),
                verdicts=tuple(
                    verdict_view(v, in_force=v.policy_name == in_force.get(lead.search_id))
                    for v in verdicts[lead.id]
                ),
                decisions=tuple(mine),
                possible_lead_votes=sum(d.kind is DecisionKind.POSSIBLE_LEAD for d in mine),
                disagreement=len({d.kind for d in mine}) > 1,
            )
        )
    return views


def verdict_view(row: PolicyVerdictRow, *, in_force: bool) -> VerdictView:
    """A stored verdict as the read model shows it."""
    return VerdictView(
        policy_name=row.policy_name,
        policy_sha256=row.policy_sha256,
        verdict=Verdict(row.verdict),
        rule=DecidingRule(row.rule),
        reason=row.reason,
        in_force=in_force,
    )


def decision_views(session: Session, lead_ids: Sequence[int | None]) -> list[DecisionView]:
    # Columns, not ORM entities: a decision reads its lead's earlier decisions on every
    # write, and loading instances into the session cost more than the query.
    rows = session.execute(
        sa.select(
            col(DecisionRow.id),
            col(DecisionRow.lead_id),
            col(ReviewerRow.name),
            col(ReviewerRow.role),
            col(DecisionRow.kind),
            col(DecisionRow.rationale),
            col(DecisionRow.decided_at),
            col(DecisionRow.lead_version),
        )
        .join(ReviewerRow, col(ReviewerRow.id) == col(DecisionRow.reviewer_id))
        .where(col(DecisionRow.lead_id).in_(lead_ids))
        .order_by(col(DecisionRow.id))
    ).all()
    return [
        DecisionView(
            decision_id=decision_id or 0,
            lead_id=lead_id,
            reviewer=name,
            role=Role(role),
            kind=DecisionKind(kind),
            rationale=rationale,
            decided_at=as_utc(decided_at),
            lead_version=lead_version,
        )
        for decision_id, lead_id, name, role, kind, rationale, decided_at, lead_version in rows
    ]


def enforcement_views(session: Session, lead_ids: Sequence[int | None]) -> list[EnforcementView]:
    rows = session.exec(
        select(EnforcementRequestRow, ReviewerRow)
        .join(ReviewerRow, col(ReviewerRow.id) == col(EnforcementRequestRow.requested_by_id))
        .where(col(EnforcementRequestRow.lead_id).in_(lead_ids))
        .order_by(col(EnforcementRequestRow.id))
    ).all()
    return [
        EnforcementView(
            request_id=e.id or 0,
            lead_id=e.lead_id,
            requested_by=r.name,
            role=Role(r.role),
            kind=EnforcementKind(e.kind),
            evidence=tuple(EvidenceItem.model_validate(item) for item in e.evidence),
            granted=e.granted,
            reason=e.reason,
            requested_at=as_utc(e.requested_at),
        )
        for e, r in rows
    ]


def case_detail(session: Session, case_id: int, viewer: Actor) -> CaseDetail:
    """A case with its probe and ranked leads; a viewer who may not see filtered leads
    (a reviewer) gets only the leads the policy in force shows."""
    case = get_case(session, case_id)
    probe = session.exec(select(ProbeRow).where(col(ProbeRow.case_id) == case_id)).one()
    search = session.exec(
        select(SearchRow).where(col(SearchRow.case_id) == case_id).order_by(col(SearchRow.id))
    ).first()
    leads = session.exec(
        select(LeadRow)
        .where(col(LeadRow.case_id) == case_id)
        .order_by(col(LeadRow.search_id), col(LeadRow.rank))
    ).all()
    see_filtered = may(viewer.role, Action.VIEW_FILTERED_LEADS)
    visible = [lead for lead in leads if lead.shown or see_filtered]
    views = lead_views(session, visible)
    policies = _policy_refs(search, case)
    return CaseDetail(
        summary=case_summary(session, case_id, viewer),
        probe=probe_view(probe),
        search=search_view(search) if search else None,
        policies=policies,
        leads=tuple(views),
        hidden_filtered=len(leads) - len(visible),
        enforcement=tuple(enforcement_views(session, [lead.id for lead in leads])),
    )


def _policy_refs(search: SearchRow | None, case: CaseRow) -> tuple[PolicyRef, ...]:
    if search is None:
        return (PolicyRef(name=case.policy_name, sha256=case.policy_sha256, in_force=True),)
    return tuple(
        PolicyRef(name=p["name"], sha256=p["sha256"], in_force=p["name"] == search.policy_name)
        for p in search.policies
    )


def probe_image(session: Session, case_id: int) -> bytes | None:
    get_case(session, case_id)
    return session.exec(select(ProbeRow.image).where(col(ProbeRow.case_id) == case_id)).first()


def probe_of_search(session: Session, search_id: int) -> ProbeView:
    search = session.get(SearchRow, search_id)
    if search is None:
        raise NotFound(f"search {search_id}: no such search")
    probe = session.get(ProbeRow, search.probe_id)
    assert probe is not None
    return probe_view(probe)
