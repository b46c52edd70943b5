"""Evaluate leads against a policy: a verdict per lead, with the rule that decided it.

The rules apply in a fixed order, and the first that filters decides:
1. use case: a policy that does not allow the case's use case filters every lead;
2. minimum similarity (the use case's own threshold where the policy sets one);
3. maximum candidates: only the top N of the leads that pass the threshold are shown.
Leads arrive ranked by similarity, highest first, so the leads passing a threshold are
a prefix of the ranking and a lead's rank is also its rank among them.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from leadreview.domain.lead import Lead
from leadreview.domain.policy import (
    DecidingRule,
    LoadedPolicy,
    PolicyVerdict,
    UseCase,
    Verdict,
)


def evaluate_lead(lead: Lead, loaded: LoadedPolicy, use_case: UseCase) -> PolicyVerdict:
    policy = loaded.policy

    def verdict(kind: Verdict, rule: DecidingRule, reason: str) -> PolicyVerdict:
        return PolicyVerdict(
            policy_name=policy.name,
            policy_sha256=loaded.sha256,
            verdict=kind,
            rule=rule,
            reason=reason,
        )

    if use_case not in policy.allowed_use_cases:
        return verdict(
            Verdict.FILTERED, DecidingRule.USE_CASE, f"use case {use_case.value} is not allowed"
        )
    threshold = policy.threshold_for(use_case)
    if threshold is not None and lead.similarity < threshold:
        return verdict(
            Verdict.FILTERED,
            DecidingRule.MIN_SIMILARITY,
            f"similarity {lead.similarity:.2f} is below {threshold:g}",
        )
    if policy.max_candidates is not None and lead.rank > policy.max_candidates:
        return verdict(
            Verdict.FILTERED,
            DecidingRule.MAX_CANDIDATES,
            f"rank {lead.rank} is beyond the top {policy.max_candidates}",
        )
    shown_because = "no threshold" if threshold is None else f"similarity ≥ {threshold:g}"
    return verdict(Verdict.SHOWN, DecidingRule.NO_RULE_FILTERS, shown_because)


def evaluate_leads(
    leads: Sequence[Lead], policies: Sequence[LoadedPolicy], use_case: UseCase
) -> list[list[PolicyVerdict]]:
    """Verdicts indexed [lead][policy], in the order given."""
    return [[evaluate_lead(lead, p, use_case) for p in policies] for lead in leads]


def shown_mask(
    similarities: npt.NDArray[np.floating], loaded: LoadedPolicy, use_case: UseCase
) -> npt.NDArray[np.bool_]:
    """The same rules as `evaluate_lead`, over a (searches, leads) matrix of ranked similarities.

    Column j holds rank j+1. Used by batch analysis, where building a verdict object per
    lead would cost more than the search itself; a property test keeps the two in step.
    """
    policy = loaded.policy
    if use_case not in policy.allowed_use_cases:
        return np.zeros(similarities.shape, dtype=bool)
    shown = np.ones(similarities.shape, dtype=bool)
    threshold = policy.threshold_for(use_case)
    if threshold is not None:
        shown &= similarities >= threshold
    if policy.max_candidates is not None:
        shown[:, policy.max_candidates :] = False
    return shown
