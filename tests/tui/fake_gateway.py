"""An in-memory `ReviewGateway` with fixed data and a fixed clock, for flows, snapshots and
benchmarks that must not depend on the database. It keeps its own little audit log so a
test can check that a decision produced an event."""

import hashlib
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from leadreview.audit.models import AuditEvent
from leadreview.domain.case import CaseStatus
from leadreview.domain.decision import DecisionKind, LeadStatus, lead_status, normalised_rationale
from leadreview.domain.enforcement import (
    EnforcementKind,
    EvidenceItem,
    why_not_corroborated,
)
from leadreview.domain.identity import AgeBand, PersonRecord, Sex
from leadreview.domain.policy import DecidingRule, UseCase, Verdict
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Actor, Role
from leadreview.tui.read_models import (
    AuditVerification,
    CaseTruth,
    Debrief,
    DebriefDecision,
    EventFilter,
    ExerciseState,
    GroupDisparity,
    WrittenReport,
)
from leadreview.workflow.errors import (
    DecisionConflict,
    EmptyRationale,
    EnforcementRefused,
    LeadNotOpen,
    NotFound,
)
from leadreview.workflow.views import (
    CaseDetail,
    CaseSummary,
    DecisionView,
    EnforcementView,
    LeadDetail,
    LeadView,
    PolicyRef,
    ProbeView,
    VerdictView,
)

if TYPE_CHECKING:
    from PIL.Image import Image

    from leadreview.exercise.debrief import ExerciseDebrief
    from leadreview.exercise.views import ExerciseProgress, HotwashSheet, ParticipantBoard

CLOCK = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
POLICIES = (("wcso-practice", None), ("rekognition-default", 80.0), ("amazon-police-95", 95.0))
GROUPS = ("A", "B", "C")
DIGEST = "0" * 64


def _verdicts(similarity: float) -> tuple[VerdictView, ...]:
    out = []
    for index, (name, threshold) in enumerate(POLICIES):
        shown = threshold is None or similarity >= threshold
        out.append(
            VerdictView(
                policy_name=name,
                policy_sha256=f"{index:064x}",
                verdict=Verdict.SHOWN if shown else Verdict.FILTERED,
                rule=DecidingRule.NO_RULE_FILTERS if shown else DecidingRule.MIN_SIMILARITY,
                reason=(
                    "no threshold"
                    if threshold is None
                    else f"similarity ≥ {threshold:g}"
                    if shown
                    else f"similarity {similarity:.2f} is below {threshold:g}"
                ),
                in_force=index == 0,
            )
        )
    return tuple(out)


@dataclass
class _Lead:
    lead_id: int
    case_id: int
    rank: int
    similarity: float
    face_id: str
    version: int = 1
    decisions: list[DecisionView] = field(default_factory=list)


@dataclass
class _Case:
    case_id: int
    offense: str
    use_case: UseCase
    quality: CaptureQuality
    source: str
    leads: list[_Lead]
    mate_rank: int | None


class FakeGateway:
    """`cases` cases of `leads` leads each, similarities falling with rank."""

    def __init__(self, cases: int = 3, leads: int = 8, report_dir: Path | None = None) -> None:
        self._lock = threading.RLock()
        # No exercise: the debrief screen shows the view built from the fake's truth.
        self.exercise: ExerciseState | None = None
        # No seat either: the queue shows every case, as it does without an exercise.
        self.board: ParticipantBoard | None = None
        # The console's board, when a test gives one (fixed, so snapshots are stable).
        self.progress: ExerciseProgress | None = None
        self.sheet: HotwashSheet | None = None  # the hot wash, when a test gives one
        self.report_dir = report_dir or Path(tempfile.gettempdir()) / "leadreview-fake-reports"
        self.cases: dict[int, _Case] = {}
        self.leads: dict[int, _Lead] = {}
        self.events: list[AuditEvent] = []
        self.pictures = True
        # A served room's join codes (code -> who it names), and every code tried.
        self.join_codes: dict[str, Actor] = {}
        self.sign_in_attempts: list[str] = []
        offenses = ("shoplifting, $212", "burglary of a garage", "missing person: R.", "assault")
        qualities = list(CaptureQuality)
        lead_id = 100
        for case_id in range(1, cases + 1):
            case_leads = []
            for rank in range(1, leads + 1):
                lead_id += 1
                similarity = round(max(0.0, 99.2 - 3.7 * (rank - 1) - case_id * 0.9), 2)
                lead = _Lead(lead_id, case_id, rank, similarity, f"{lead_id:08x}-face")
                case_leads.append(lead)
                self.leads[lead_id] = lead
            self.cases[case_id] = _Case(
                case_id=case_id,
                offense=offenses[(case_id - 1) % len(offenses)],
                use_case=UseCase.MISSING_PERSON if case_id % 4 == 3 else UseCase.INVESTIGATION,
                quality=qualities[case_id % len(qualities)],
                source=f"camera {case_id}, entrance",
                leads=case_leads,
                mate_rank=2 if case_id % 2 else None,
            )

    # --- helpers -------------------------------------------------------------------------

    def _lead_view(self, lead: _Lead) -> LeadView:
        kinds = [d.kind for d in lead.decisions]
        return LeadView(
            lead_id=lead.lead_id,
            case_id=lead.case_id,
            search_id=lead.case_id,
            rank=lead.rank,
            similarity=lead.similarity,
            face_id=lead.face_id,
            external_image_id=f"person-{lead.lead_id}",
            shown=True,
            status=lead_status(kinds, 1),
            version=lead.version,
            reviewers_required=1,
            verdicts=_verdicts(lead.similarity),
            decisions=tuple(lead.decisions),
            possible_lead_votes=kinds.count(DecisionKind.POSSIBLE_LEAD),
            disagreement=len(set(kinds)) > 1,
        )

    def _summary(self, case: _Case, actor: Actor) -> CaseSummary:
        views = [self._lead_view(lead) for lead in case.leads]
        mine = sum(1 for v in views if v.decided_by(actor.name) is not None)
        awaiting = sum(1 for v in views if v.status.open_for_decision)
        return CaseSummary(
            case_id=case.case_id,
            offense=case.offense,
            use_case=case.use_case,
            status=CaseStatus.OPEN,
            opened_by="ivy investigator",
            opened_by_role=Role.INVESTIGATOR,
            opened_at=CLOCK - timedelta(days=case.case_id),
            policy_name=POLICIES[0][0],
            policy_sha256=DIGEST,
            reviewers_required=1,
            lead_count=len(views),
            shown_count=len(views),
            awaiting_count=awaiting,
            forwarded_count=sum(v.status is LeadStatus.FORWARDED for v in views),
            rejected_count=sum(v.status is LeadStatus.REJECTED for v in views),
            inconclusive_count=sum(v.status is LeadStatus.INCONCLUSIVE for v in views),
            disputed_count=sum(v.status is LeadStatus.DISPUTED for v in views),
            viewer_decided=mine,
            viewer_pending=sum(
                1 for v in views if v.status.open_for_decision and v.decided_by(actor.name) is None
            ),
        )

    def _append(self, actor: Actor, event_type: str, payload: dict[str, object]) -> AuditEvent:
        import json

        seq = len(self.events) + 1
        event = AuditEvent(
            seq=seq,
            time=CLOCK + timedelta(minutes=seq),
            actor=actor.name,
            role=actor.role.value,
            event_type=event_type,
            payload=payload,
            payload_json=json.dumps(payload, sort_keys=True),
            prev_digest=f"{seq - 1:064x}",
            digest=f"{seq:064x}",
        )
        self.events.append(event)
        return event

    # --- the gateway ---------------------------------------------------------------------

    def list_cases(self, actor: Actor) -> Sequence[CaseSummary]:
        with self._lock:
            return [self._summary(c, actor) for c in reversed(self.cases.values())]

    def get_case(self, actor: Actor, case_id: int) -> CaseDetail:
        with self._lock:
            case = self.cases[case_id]
            return CaseDetail(
                summary=self._summary(case, actor),
                probe=ProbeView(
                    probe_id=case_id,
                    probe_ref=f"probe-{case_id:04d}",
                    quality=case.quality,
                    source=case.source,
                    captured_at=CLOCK - timedelta(days=case_id, hours=3),
                    image_sha256=None,
                    image_size=0,
                ),
                search=None,
                policies=tuple(
                    PolicyRef(name=n, sha256=f"{i:064x}", in_force=i == 0)
                    for i, (n, _) in enumerate(POLICIES)
                ),
                leads=tuple(self._lead_view(lead) for lead in case.leads),
                hidden_filtered=0,
                enforcement=(),
            )

    def log_disagreements(self, case_id: int) -> dict[int, list[str]]:
        return {}  # the fake keeps no log: nothing to disagree with

    def get_lead(self, actor: Actor, lead_id: int) -> LeadDetail:
        with self._lock:
            lead = self.leads[lead_id]
            detail = self.get_case(actor, lead.case_id)
            return LeadDetail(
                lead=self._lead_view(lead),
                case=detail.summary,
                probe=detail.probe,
                record=PersonRecord(
                    person_id=f"person-{lead_id}",
                    name=f"Synthetic Person {lead_id}",
                    group=GROUPS[lead_id % len(GROUPS)],
                    sex=Sex.FEMALE if lead_id % 2 else Sex.MALE,
                    age_band=list(AgeBand)[1 + lead_id % 4],
                    booking_date=date(2019, 1 + lead_id % 12, 1 + lead_id % 28),
                    booking_charge="theft in the third degree",
                ),
                enforcement=(),
            )

    def decide(
        self,
        actor: Actor,
        lead_id: int,
        kind: DecisionKind,
        rationale: str,
        expected_version: int,
    ) -> LeadView:
        text = normalised_rationale(rationale)
        if not text:
            raise EmptyRationale(f"lead {lead_id}: a decision needs a rationale")
        with self._lock:
            lead = self.leads[lead_id]
            if lead.version != expected_version:
                who = tuple(d.reviewer for d in lead.decisions)
                raise DecisionConflict(
                    f"lead {lead_id} changed (version {lead.version}, you saw {expected_version})",
                    lead_id=lead_id,
                    decided_by=who,
                )
            if not self._lead_view(lead).status.open_for_decision:
                raise LeadNotOpen(f"lead {lead_id} is no longer open for a decision")
            decided_at = CLOCK + timedelta(minutes=len(self.events) + 1)
            lead.decisions.append(
                DecisionView(
                    decision_id=len(self.events) + 1,
                    lead_id=lead_id,
                    reviewer=actor.name,
                    role=actor.role,
                    kind=kind,
                    rationale=text,
                    decided_at=decided_at,
                    lead_version=lead.version,
                )
            )
            lead.version += 1
            self._append(
                actor,
                "lead.decided",
                {
                    "lead_id": lead_id,
                    "case_id": lead.case_id,
                    "kind": kind.value,
                    "rationale": text,
                },
            )
            return self._lead_view(lead)

    def sign_in(self, join_code: str) -> Actor:
        from leadreview.errors import PermissionRefused

        with self._lock:
            self.sign_in_attempts.append(join_code)
            actor = self.join_codes.pop(join_code, None)
        if actor is None:
            raise PermissionRefused("join code refused: no such join code")
        return actor

    def join_exercise(self, actor: Actor) -> "ParticipantBoard | None":
        return None if actor.role is Role.FACILITATOR else self.board

    def exercise_board(self, actor: Actor, exercise_id: int) -> "ParticipantBoard":
        if self.board is None:
            raise NotFound("the fake gateway runs no exercise")
        return self.board

    def request_enforcement(
        self,
        actor: Actor,
        lead_id: int,
        kind: EnforcementKind,
        evidence: Sequence[EvidenceItem],
    ) -> EnforcementView:
        """The real gate's rule on the fake's leads: forwarded, and corroborated."""
        with self._lock:
            status = self._lead_view(self.leads[lead_id]).status
            reason = (
                why_not_corroborated(evidence)
                if status is LeadStatus.FORWARDED
                else f"lead {lead_id} is {status.value}, not forwarded by review"
            )
            event = self._append(
                actor,
                "enforcement.refused" if reason else "enforcement.granted",
                {"lead_id": lead_id, "kind": kind.value, "reason": reason},
            )
            if reason is not None:
                raise EnforcementRefused(f"{kind.value} refused: {reason}", request_id=event.seq)
            return EnforcementView(
                request_id=event.seq,
                lead_id=lead_id,
                requested_by=actor.name,
                role=actor.role,
                kind=kind,
                evidence=tuple(evidence),
                granted=True,
                reason="corroborated by independent evidence",
                requested_at=event.time,
            )

    def hotwash_sheet(self, actor: Actor) -> "HotwashSheet | None":
        return self.sheet

    def change_mark(self) -> int:
        with self._lock:
            return len(self.events)

    def probe_picture(self, case_id: int) -> "Image | None":
        if not self.pictures:
            return None
        return _face(case_id * 7919, self.cases[case_id].quality)

    def lead_picture(self, lead_id: int) -> "Image | None":
        if not self.pictures:
            return None
        return _face(lead_id, CaptureQuality.BOOKING)

    def list_events(self, actor: Actor, query: EventFilter) -> Sequence[AuditEvent]:
        with self._lock:
            return [
                e
                for e in self.events
                if (query.event_type is None or e.event_type == query.event_type)
                and (query.actor is None or e.actor == query.actor)
                and (query.text is None or query.text in e.payload_json)
            ][: query.limit]

    def verify_audit(self, actor: Actor) -> AuditVerification:
        with self._lock:
            count = len(self.events)
            return AuditVerification(
                ok=True,
                event_count=count,
                head_seq=count,
                head_digest=f"{count:064x}",
                lines=(f"ok: {count} events verified",),
            )

    def export_audit(self, actor: Actor, fmt: str) -> str:
        return f"/tmp/leadreview-audit.{fmt}"

    def debrief(self, actor: Actor) -> Debrief:
        with self._lock:
            decisions = []
            for lead in self.leads.values():
                case = self.cases[lead.case_id]
                for d in lead.decisions:
                    decisions.append(
                        DebriefDecision(
                            case_id=lead.case_id,
                            lead_id=lead.lead_id,
                            rank=lead.rank,
                            similarity=lead.similarity,
                            reviewer=d.reviewer,
                            kind=d.kind,
                            is_mate=case.mate_rank == lead.rank,
                            lead_group=GROUPS[lead.lead_id % len(GROUPS)],
                            verdicts=tuple(
                                (v.policy_name, v.verdict) for v in _verdicts(lead.similarity)
                            ),
                        )
                    )
            cases = tuple(
                CaseTruth(
                    case_id=c.case_id,
                    offense=c.offense,
                    mated=c.mate_rank is not None,
                    mate_rank=c.mate_rank,
                    subject_group=GROUPS[c.case_id % len(GROUPS)],
                )
                for c in self.cases.values()
            )
            disparities = tuple(
                GroupDisparity(
                    group=group,
                    policy_name=name,
                    non_mate_leads=10 + i,
                    non_mate_shown=(10 + i) if threshold is None else i,
                )
                for i, group in enumerate(GROUPS)
                for name, threshold in POLICIES
            )
            return Debrief(cases=cases, decisions=tuple(decisions), disparities=disparities)

    def exercise_state(self, actor: Actor, screen: str = "debrief") -> ExerciseState | None:
        return self.exercise

    def exercise_progress(self, actor: Actor, exercise_id: int) -> "ExerciseProgress":
        if self.progress is None:
            raise NotFound("the fake gateway runs no exercise")
        return self.progress

    def exercise_debrief(self, actor: Actor, exercise_id: int) -> "ExerciseDebrief":
        raise NotFound("the fake gateway runs no exercise")

    def reveal_truth(self, actor: Actor, exercise_id: int) -> ExerciseState:
        raise NotFound("the fake gateway runs no exercise")

    def write_debrief_report(self, actor: Actor, path: Path | None = None) -> WrittenReport:
        with self._lock:
            html = f"<html><body><h1>Audit report</h1>{len(self.events)} events</body></html>"
            target = path or self.report_dir / f"audit-report-{len(self.events) + 1}.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(html, encoding="utf-8")
            digest = hashlib.sha256(html.encode()).hexdigest()
            event = self._append(
                actor,
                "report.generated",
                {"report": "audit", "format": "html", "output_sha256": digest},
            )
            return WrittenReport(
                path=str(target), sha256=digest, kind="audit report", event_seq=event.seq
            )


def _face(seed: int, quality: CaptureQuality) -> "Image":
    import numpy as np

    from leadreview.simulation.face_renderer import render_face

    rng = np.random.default_rng(seed)
    vector = rng.standard_normal(128)
    return render_face(vector / np.linalg.norm(vector), quality, 96)
