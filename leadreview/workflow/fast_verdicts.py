"""Every policy's verdict on every lead, as plain (verdict, rule, reason) strings.

The same rules, in the same order and with the same reasons, as
`leadreview.policy.evaluate.evaluate_lead`, without building a pydantic object per
verdict: a batch replay records hundreds of thousands of them, and that construction
cost more than writing them. A property test keeps the two identical, and
`replay_verdicts` re-checks recorded verdicts with `evaluate_lead` itself.
"""

from collections.abc import Callable, Sequence

from leadreview.domain.lead import Lead
from leadreview.domain.policy import DecidingRule, LoadedPolicy, UseCase, Verdict

VerdictRow = tuple[str, str, str]  # (verdict, rule, reason)

_SHOWN = Verdict.SHOWN.value
_FILTERED = Verdict.FILTERED.value
_USE_CASE = DecidingRule.USE_CASE.value
_MIN_SIMILARITY = DecidingRule.MIN_SIMILARITY.value
_MAX_CANDIDATES = DecidingRule.MAX_CANDIDATES.value
_NO_RULE = DecidingRule.NO_RULE_FILTERS.value


def _judge(loaded: LoadedPolicy, use_case: UseCase) -> Callable[[Lead], VerdictRow]:
    policy = loaded.policy
    if use_case not in policy.allowed_use_cases:
        refused = (_FILTERED, _USE_CASE, f"use case {use_case.value} is not allowed")
        return lambda _lead: refused
    threshold = policy.threshold_for(use_case)
    limit = policy.max_candidates
    shown = (
        _SHOWN,
        _NO_RULE,
        "no threshold" if threshold is None else f"similarity ≥ {threshold:g}",
    )
    below = f"is below {threshold:g}" if threshold is not None else ""

    def judge(lead: Lead) -> VerdictRow:
        if threshold is not None and lead.similarity < threshold:
            return (_FILTERED, _MIN_SIMILARITY, f"similarity {lead.similarity:.2f} {below}")
        if limit is not None and lead.rank > limit:
            return (_FILTERED, _MAX_CANDIDATES, f"rank {lead.rank} is beyond the top {limit}")
        return shown

    return judge


def verdict_rows(
    leads: Sequence[Lead], policies: Sequence[LoadedPolicy], use_case: UseCase
) -> list[tuple[VerdictRow, ...]]:
    """Verdicts indexed [lead][policy], in the order given."""
    judges = [_judge(p, use_case) for p in policies]
    return [tuple(judge(lead) for judge in judges) for lead in leads]
