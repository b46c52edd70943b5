"""A policy's rules, for one use case, written once: the order, the thresholds and the
reason strings every verdict carries.

The rules apply in a fixed order, and the first that filters decides:
1. use case: a policy that does not allow the case's use case filters every lead;
2. minimum similarity (the use case's own threshold where the policy sets one);
3. maximum candidates: only the top N of the leads that pass the threshold are shown.
Leads arrive ranked by similarity, highest first, so the leads passing a threshold are
a prefix of the ranking and a lead's rank is also its rank among them.

`judge` gives one lead's (verdict, rule, reason) as plain strings, cheap enough for a
batch replay that records hundreds of thousands of verdicts; `shown_mask` applies the
same rules to a whole matrix of similarities at once, for analysis. A property test
(tests/unit/test_policy.py) holds the two equal.
"""

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from leadreview.domain.policy import DecidingRule, LoadedPolicy, UseCase, Verdict

VerdictRow = tuple[str, str, str]  # (verdict, rule, reason)

_SHOWN = Verdict.SHOWN.value
_FILTERED = Verdict.FILTERED.value


@dataclass(frozen=True)
class PolicyRules:
    """One policy's rules for one use case, with the reasons already worded."""

    refusal: VerdictRow | None  # the verdict on every lead when the use case is refused
    threshold: float | None
    max_candidates: int | None
    shown: VerdictRow

    def judge(self, similarity: float, rank: int) -> VerdictRow:
        if self.refusal is not None:
            return self.refusal
        if self.threshold is not None and similarity < self.threshold:
            reason = f"similarity {similarity:.2f} is below {self.threshold:g}"
            return (_FILTERED, DecidingRule.MIN_SIMILARITY.value, reason)
        if self.max_candidates is not None and rank > self.max_candidates:
            reason = f"rank {rank} is beyond the top {self.max_candidates}"
            return (_FILTERED, DecidingRule.MAX_CANDIDATES.value, reason)
        return self.shown

    def shown_mask(self, similarities: npt.NDArray[np.floating]) -> npt.NDArray[np.bool_]:
        """Over a (searches, leads) matrix of ranked similarities; column j holds rank j+1."""
        if self.refusal is not None:
            return np.zeros(similarities.shape, dtype=bool)
        shown = np.ones(similarities.shape, dtype=bool)
        if self.threshold is not None:
            shown &= similarities >= self.threshold
        if self.max_candidates is not None:
            shown[:, self.max_candidates :] = False
        return shown


def policy_rules(loaded: LoadedPolicy, use_case: UseCase) -> PolicyRules:
    policy = loaded.policy
    refusal: VerdictRow | None = None
    if use_case not in policy.allowed_use_cases:
        reason = f"use case {use_case.value} is not allowed"
        refusal = (_FILTERED, DecidingRule.USE_CASE.value, reason)
    threshold = policy.threshold_for(use_case)
    shown_because = "no threshold" if threshold is None else f"similarity ≥ {threshold:g}"
    return PolicyRules(
        refusal=refusal,
        threshold=threshold,
        max_candidates=policy.max_candidates,
        shown=(_SHOWN, DecidingRule.NO_RULE_FILTERS.value, shown_because),
    )
