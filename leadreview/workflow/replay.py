"""Replay recorded verdicts (P7): each verdict names its policy and the SHA-256 of the
policy file; re-evaluating the lead under the stored copy of that file must give the same
verdict, rule and reason. Policy files edited since (a different digest on disk) are
flagged, with the verdicts the edit would change.
"""

import hashlib
from pathlib import Path

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, func, select

from leadreview.domain.lead import Lead
from leadreview.domain.policy import LoadedPolicy, UseCase, Verdict
from leadreview.errors import LeadreviewError
from leadreview.policy.evaluate import evaluate_lead
from leadreview.policy.loader import load_policy_file
from leadreview.store.tables.workflow import LeadRow, PolicyDocumentRow, PolicyVerdictRow, SearchRow
from leadreview.workflow.policy_documents import loaded_from_document


class PolicyFileStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy_name: str
    path: str
    recorded_sha256: str
    current_sha256: str | None  # None: the file is gone or unreadable
    verdict_count: int

    @property
    def changed(self) -> bool:
        return self.current_sha256 != self.recorded_sha256


class VerdictReplay(BaseModel):
    model_config = ConfigDict(frozen=True)

    verdict_id: int
    lead_id: int
    case_id: int | None
    policy_name: str
    policy_sha256: str
    recorded: Verdict
    recorded_rule: str
    replayed: Verdict
    replayed_rule: str


class ReplayReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    checked: int
    not_reproduced: tuple[VerdictReplay, ...]  # stored file gives another verdict: tampering
    changed_files: tuple[PolicyFileStatus, ...]
    changed_by_current_file: tuple[VerdictReplay, ...]  # what the edited file would say now

    @property
    def all_reproduced(self) -> bool:
        return not self.not_reproduced


def _current_digest(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def check_policy_files(session: Session) -> list[PolicyFileStatus]:
    """Every stored policy document against the file at its path today."""
    counts: dict[str, int] = {}
    for sha, n in session.exec(
        select(PolicyVerdictRow.policy_sha256, func.count()).group_by(
            col(PolicyVerdictRow.policy_sha256)
        )
    ).all():
        counts[sha] = n
    documents = session.exec(select(PolicyDocumentRow).order_by(col(PolicyDocumentRow.name))).all()
    return [
        PolicyFileStatus(
            policy_name=d.name,
            path=d.path,
            recorded_sha256=d.sha256,
            current_sha256=_current_digest(d.path),
            verdict_count=counts.get(d.sha256, 0),
        )
        for d in documents
    ]


def _current_policy(path: str) -> LoadedPolicy | None:
    try:
        return load_policy_file(Path(path))
    except LeadreviewError:
        return None


def _replay(
    verdict: PolicyVerdictRow, lead: LeadRow, verdict_now: Verdict, rule_now: str
) -> VerdictReplay:
    assert verdict.id is not None and lead.id is not None
    return VerdictReplay(
        verdict_id=verdict.id,
        lead_id=lead.id,
        case_id=lead.case_id,
        policy_name=verdict.policy_name,
        policy_sha256=verdict.policy_sha256,
        recorded=Verdict(verdict.verdict),
        recorded_rule=verdict.rule,
        replayed=verdict_now,
        replayed_rule=rule_now,
    )


def replay_verdicts(session: Session, case_id: int | None = None) -> ReplayReport:
    """Re-evaluate every recorded verdict (of one case, or all) from its stored policy file."""
    documents = {d.sha256: d for d in session.exec(select(PolicyDocumentRow)).all()}
    stored = {sha: loaded_from_document(d) for sha, d in documents.items()}
    files = check_policy_files(session)
    changed = [f for f in files if f.changed]
    current = {f.recorded_sha256: _current_policy(f.path) for f in changed}

    query = (
        select(PolicyVerdictRow, LeadRow, SearchRow.use_case)
        .join(LeadRow, col(LeadRow.id) == col(PolicyVerdictRow.lead_id))
        .join(SearchRow, col(SearchRow.id) == col(LeadRow.search_id))
        .order_by(col(PolicyVerdictRow.id))
    )
    if case_id is not None:
        query = query.where(col(LeadRow.case_id) == case_id)
    not_reproduced: list[VerdictReplay] = []
    would_change: list[VerdictReplay] = []
    checked = 0
    for verdict, lead_row, use_case in session.exec(query).all():
        checked += 1
        lead = Lead(
            rank=lead_row.rank,
            similarity=lead_row.similarity,
            face_id=lead_row.face_id,
            external_image_id=lead_row.external_image_id or "",
        )
        again = evaluate_lead(lead, stored[verdict.policy_sha256], UseCase(use_case))
        same = (again.verdict.value, again.rule.value, again.reason) == (
            verdict.verdict,
            verdict.rule,
            verdict.reason,
        )

        if not same:
            not_reproduced.append(_replay(verdict, lead_row, again.verdict, again.rule.value))
        edited = current.get(verdict.policy_sha256)
        if edited is not None:
            now = evaluate_lead(lead, edited, UseCase(use_case))
            if now.verdict.value != verdict.verdict:
                would_change.append(_replay(verdict, lead_row, now.verdict, now.rule.value))
    return ReplayReport(
        checked=checked,
        not_reproduced=tuple(not_reproduced),
        changed_files=tuple(changed),
        changed_by_current_file=tuple(would_change),
    )
