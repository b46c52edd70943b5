"""A simulated reviewer reviews a case through the same service as a person.

It reads the case as a reviewer (so it sees only the leads the policy in force shows),
and records each decision with `ReviewWorkflow.decide`: the role check, the rationale
rule, the N-reviewer rule, optimistic concurrency and the `lead.decided` event all apply
unchanged. Nothing here writes to the database itself.

The simulation needs ground truth (is this lead the probe's subject?) to draw a decision
from the reviewer model; it comes from a `TruthLookup`, never from the case, since the
workflow does not know it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from leadreview.domain.decision import DecisionKind
from leadreview.domain.probe import ProbeTruth
from leadreview.domain.roles import Actor, Role
from leadreview.simulation.reviewer_model import SimulatedReviewer
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.views import LeadView

# str.format fields: {profile} and {seed} (filled by `rationale_template`), then the
# lead's {similarity} and {rank} and the {decision} drawn, filled per lead.
DEFAULT_TEMPLATE = (
    "simulated reviewer '{profile}' (seed {seed}): similarity {similarity}, rank {rank}"
)


class TruthLookup(Protocol):
    """The simulation's ground truth for a probe (the TUI's debrief source is one)."""

    def truth_for(self, probe_ref: str) -> ProbeTruth | None: ...


RationaleTemplate = str | Callable[[LeadView, DecisionKind], str]


@dataclass(frozen=True)
class SimulatedDecision:
    lead_id: int
    decision: DecisionKind
    lead: LeadView  # the lead as it stands after the decision


def simulated_actor(profile_name: str, seed: int) -> Actor:
    """The actor a simulated reviewer acts as: one per profile and seed, role reviewer."""
    return Actor(name=f"simulated {profile_name} seed {seed}", role=Role.REVIEWER)


def rationale_template(profile_name: str, seed: int) -> str:
    """The default template with the profile and seed filled in (braces kept for the lead)."""
    return DEFAULT_TEMPLATE.format(
        profile=profile_name.replace("{", "{{").replace("}", "}}"),
        seed=seed,
        similarity="{similarity}",
        rank="{rank}",
        decision="{decision}",
    )


def _rationale(template: RationaleTemplate, lead: LeadView, kind: DecisionKind) -> str:
    if callable(template):
        return template(lead, kind)
    return template.format(similarity=f"{lead.similarity:.2f}", rank=lead.rank, decision=kind.value)


def review_case(
    workflow: ReviewWorkflow,
    actor: Actor,
    case_id: int,
    reviewer: SimulatedReviewer,
    truth_lookup: TruthLookup,
    rationale_template: RationaleTemplate,
) -> list[SimulatedDecision]:
    """Decide every lead `actor` is shown and may still decide, best rank first.

    Leads already closed, or already decided by this actor, are skipped, so running a
    review twice adds nothing. Decisions are drawn in rank order, so a reviewer built from
    the same profile and seed decides the same case the same way.
    """
    detail = workflow.case(case_id, actor)
    probe_ref = detail.probe.probe_ref
    truth = truth_lookup.truth_for(probe_ref) if probe_ref is not None else None
    if truth is None:
        raise InvalidRequest(
            f"case {case_id}: no ground truth for probe {probe_ref!r}; "
            f"a simulated reviewer needs it to decide"
        )
    shown = [lead for lead in detail.leads if lead.shown]
    decided: list[SimulatedDecision] = []
    for lead in sorted(shown, key=lambda view: view.rank):
        if not lead.status.open_for_decision or lead.decided_by(actor.name) is not None:
            continue
        kind = reviewer.decide(
            similarity=lead.similarity,
            rank=lead.rank,
            is_true_mate=truth.mate_face_id is not None and lead.face_id == truth.mate_face_id,
            leads_shown=len(shown),
            probe_group=truth.subject_group,
        )
        after = workflow.decide(
            actor,
            lead.lead_id,
            kind,
            _rationale(rationale_template, lead, kind),
            expected_version=lead.version,
        )
        decided.append(SimulatedDecision(lead_id=lead.lead_id, decision=kind, lead=after))
    return decided
