"""Evaluate leads against policies: a verdict per lead, with the rule that decided it.

The rules and their reasons are in `leadreview.policy.rules`; this module gives them the
shapes callers need: a `PolicyVerdict` per lead, plain rows for bulk recording, and a
mask over a matrix of similarities for batch analysis.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from leadreview.domain.lead import Lead
from leadreview.domain.policy import DecidingRule, LoadedPolicy, PolicyVerdict, UseCase, Verdict
from leadreview.policy.rules import VerdictRow, policy_rules


def evaluate_lead(lead: Lead, loaded: LoadedPolicy, use_case: UseCase) -> PolicyVerdict:
    verdict, rule, reason = policy_rules(loaded, use_case).judge(lead.similarity, lead.rank)
    return PolicyVerdict(
        policy_name=loaded.policy.name,
        policy_sha256=loaded.sha256,
        verdict=Verdict(verdict),
        rule=DecidingRule(rule),
        reason=reason,
    )


def evaluate_leads(
    leads: Sequence[Lead], policies: Sequence[LoadedPolicy], use_case: UseCase
) -> list[list[PolicyVerdict]]:
    """Verdicts indexed [lead][policy], in the order given."""
    return [[evaluate_lead(lead, p, use_case) for p in policies] for lead in leads]


def verdict_rows(
    leads: Sequence[Lead], policies: Sequence[LoadedPolicy], use_case: UseCase
) -> list[tuple[VerdictRow, ...]]:
    """Verdicts indexed [lead][policy] as plain (verdict, rule, reason) rows: what a batch
    replay records, without building a pydantic object per verdict (that cost more than
    writing them). `replay_verdicts` re-checks recorded verdicts with `evaluate_lead`."""
    rules = [policy_rules(p, use_case) for p in policies]
    return [tuple(r.judge(lead.similarity, lead.rank) for r in rules) for lead in leads]


def shown_mask(
    similarities: npt.NDArray[np.floating], loaded: LoadedPolicy, use_case: UseCase
) -> npt.NDArray[np.bool_]:
    """The same rules as `evaluate_lead`, over a (searches, leads) matrix of ranked
    similarities (column j holds rank j+1): batch analysis, where a verdict object per
    lead would cost more than the search itself."""
    return policy_rules(loaded, use_case).shown_mask(similarities)
