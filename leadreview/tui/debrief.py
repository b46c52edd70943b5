"""Assembling the debrief from the cases and the ground truth (no UI here).

For every decision: was the lead the probe's subject, and what each loaded policy would
have done with it. For every group: how many innocent people (non-mate leads) each policy
would have shown a reviewer, so the facilitator can compare groups side by side.
"""

from collections import Counter
from collections.abc import Sequence
from typing import Protocol

from leadreview.domain.policy import Verdict
from leadreview.domain.probe import ProbeTruth
from leadreview.tui.read_models import CaseTruth, Debrief, DebriefDecision, GroupDisparity
from leadreview.workflow.views import CaseDetail

UNKNOWN_GROUP = "unknown"


class TruthLookup(Protocol):
    def truth_for(self, probe_ref: str) -> ProbeTruth | None: ...

    def group_of(self, face_id: str) -> str | None: ...


def build_debrief(cases: Sequence[CaseDetail], truth: TruthLookup) -> Debrief:
    truths: list[CaseTruth] = []
    decisions: list[DebriefDecision] = []
    leads_by: Counter[tuple[str, str]] = Counter()
    shown_by: Counter[tuple[str, str]] = Counter()
    for case in cases:
        probe_truth = truth.truth_for(case.probe.probe_ref) if case.probe.probe_ref else None
        mate = probe_truth.mate_face_id if probe_truth is not None else None
        mate_rank = next((lead.rank for lead in case.leads if lead.face_id == mate), None)
        truths.append(
            CaseTruth(
                case_id=case.summary.case_id,
                offense=case.summary.offense,
                mated=bool(probe_truth and probe_truth.mated),
                mate_rank=mate_rank,
                subject_group=probe_truth.subject_group if probe_truth else UNKNOWN_GROUP,
            )
        )
        for lead in case.leads:
            is_mate = mate is not None and lead.face_id == mate
            group = truth.group_of(lead.face_id) or UNKNOWN_GROUP
            verdicts = tuple((v.policy_name, v.verdict) for v in lead.verdicts)
            if not is_mate:
                for name, verdict in verdicts:
                    leads_by[group, name] += 1
                    shown_by[group, name] += verdict is Verdict.SHOWN
            decisions.extend(
                DebriefDecision(
                    case_id=case.summary.case_id,
                    lead_id=lead.lead_id,
                    rank=lead.rank,
                    similarity=lead.similarity,
                    reviewer=d.reviewer,
                    kind=d.kind,
                    is_mate=is_mate,
                    lead_group=group,
                    verdicts=verdicts,
                )
                for d in lead.decisions
            )
    disparities = tuple(
        GroupDisparity(
            group=group, policy_name=name, non_mate_leads=n, non_mate_shown=shown_by[group, name]
        )
        for (group, name), n in sorted(leads_by.items())
    )
    return Debrief(cases=tuple(truths), decisions=tuple(decisions), disparities=disparities)
