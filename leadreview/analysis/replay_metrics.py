"""Counts per policy for a replay: leads shown, false leads, probes with a false lead.

The figures of the ACLU's 2018 test: of 535 probes, how many had at least one false
match at the API default, and which groups those probes came from.
"""

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict

from leadreview.analysis.batch import SearchBatch
from leadreview.domain.policy import LoadedPolicy, UseCase
from leadreview.policy.evaluate import shown_mask


class GroupCounts(BaseModel):
    model_config = ConfigDict(frozen=True)

    probes: int
    searches: int
    leads_shown: int
    false_leads_shown: int
    probes_with_false_lead: int


class PolicyReplayResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy: str
    policy_sha256: str
    threshold: float | None
    max_candidates: int | None
    searches: int
    leads_shown: int
    false_leads_shown: int
    probes_with_false_lead: int
    by_group: dict[str, GroupCounts]

    @property
    def false_lead_probe_share_by_group(self) -> dict[str, float]:
        """Each group's share of the probes with a false lead (the ACLU's 39%)."""
        total = self.probes_with_false_lead
        return {
            group: (counts.probes_with_false_lead / total if total else 0.0)
            for group, counts in self.by_group.items()
        }


def _counts(shown: npt.NDArray[np.bool_], false: npt.NDArray[np.bool_]) -> GroupCounts:
    false_shown = shown & false
    return GroupCounts(
        probes=int(shown.shape[0]),
        searches=int(shown.shape[0]),
        leads_shown=int(shown.sum()),
        false_leads_shown=int(false_shown.sum()),
        probes_with_false_lead=int(false_shown.any(axis=1).sum()),
    )


def replay_policy(
    batch: SearchBatch, loaded: LoadedPolicy, use_case: UseCase
) -> PolicyReplayResult:
    shown = shown_mask(batch.similarities, loaded, use_case)
    false = ~batch.is_true_mate
    overall = _counts(shown, false)
    by_group = {
        group: _counts(shown[batch.probe_groups == group], false[batch.probe_groups == group])
        for group in batch.groups()
    }
    return PolicyReplayResult(
        policy=loaded.name,
        policy_sha256=loaded.sha256,
        threshold=loaded.policy.threshold_for(use_case),
        max_candidates=loaded.policy.max_candidates,
        searches=overall.searches,
        leads_shown=overall.leads_shown,
        false_leads_shown=overall.false_leads_shown,
        probes_with_false_lead=overall.probes_with_false_lead,
        by_group=by_group,
    )


def replay_policies(
    batch: SearchBatch, policies: Sequence[LoadedPolicy], use_case: UseCase
) -> list[PolicyReplayResult]:
    return [replay_policy(batch, p, use_case) for p in policies]
