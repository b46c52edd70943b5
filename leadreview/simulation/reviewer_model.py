"""Simulated reviewers: a noisy, biased instrument, not an oracle.

A reviewer looks at each shown lead and decides possible-lead, not-a-match or
inconclusive. The chance of forwarding a lead (possible-lead) is a logistic model:

    logit P(forward) = logit(base rate)
                       + similarity_log_odds_per_10 * max(0, Similarity - reference) / 10
                       - rank_log_odds_per_rank * (rank - 1)
                       + log(group odds ratio), applied in the direction of an error

The base rate is the profile's false-accept rate for a lead that is not the probe's
identity and one minus its false-reject rate for the true mate, taken from the
one-to-one rates when the reviewer sees a single lead and from the candidate-list rates
when the search shows several (the published studies differ exactly there). The two
automation-bias terms are zero for a lead at or below the reference similarity and at
rank 1, so the published rates are what the model gives where the studies measured them
(no score shown); "the system says match" then pushes forwards up with a score above the
reference and down the ranking. A low score does not reassure: below the reference the
reviewer judges the faces alone (otherwise low scores would make careless reviewers look
careful). A lead that is not forwarded is inconclusive with the profile's share, else
not-a-match.

The batch path and the per-lead path share `forward_probability`, so a simulated
reviewer in the workflow service decides as the batch comparison assumes.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from leadreview.domain.decision import DecisionKind
from leadreview.errors import InputFileError
from leadreview.io.yamlfile import parse_model, read_bytes
from leadreview.paths import fixtures_dir
from leadreview.simulation.search_batch import SearchBatch

Rate = Annotated[float, Field(gt=0.0, lt=1.0)]
ProfileName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
PROFILE_SUFFIXES = (".yaml", ".yml")

# Decision codes in the batch arrays; NOT_SHOWN marks leads nobody reviewed.
NOT_SHOWN = 0
POSSIBLE_LEAD = 1
NOT_A_MATCH = 2
INCONCLUSIVE = 3
DECISION_CODES: dict[int, DecisionKind] = {
    POSSIBLE_LEAD: DecisionKind.POSSIBLE_LEAD,
    NOT_A_MATCH: DecisionKind.NOT_A_MATCH,
    INCONCLUSIVE: DecisionKind.INCONCLUSIVE,
}


class ErrorRates(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    false_accept: Rate = Field(description="share of leads of another person forwarded")
    false_reject: Rate = Field(description="share of true mates not forwarded")


class AutomationBias(BaseModel):
    """How a shown score and rank shift the decision: zero means the reviewer ignores them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reference_similarity: float = Field(default=90.0, ge=0.0, le=100.0)
    similarity_log_odds_per_10: float = Field(default=0.0, ge=0.0, le=5.0)
    rank_log_odds_per_rank: float = Field(default=0.0, ge=0.0, le=5.0)


class ReviewerProfile(BaseModel):
    """The content of a reviewer profile file (YAML), validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ProfileName
    title: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1, description="citations for every figure used")
    one_to_one: ErrorRates
    candidate_list: ErrorRates
    inconclusive_share: float = Field(
        default=0.0, ge=0.0, lt=1.0, description="share of leads not forwarded marked inconclusive"
    )
    automation_bias: AutomationBias = AutomationBias()
    group_error_odds: dict[str, Annotated[float, Field(gt=0.0, le=20.0)]] = Field(
        default_factory=dict,
        description="odds ratio on errors for probes of a named group (e.g. children)",
    )
    notes: str = ""

    def without_automation_bias(self) -> "ReviewerProfile":
        """The same reviewer with scores and ranks hidden: what the studies measured."""
        return self.model_copy(update={"automation_bias": AutomationBias()})


@dataclass(frozen=True)
class LoadedProfile:
    profile: ReviewerProfile
    path: str
    sha256: str

    @property
    def name(self) -> str:
        return self.profile.name


def bundled_profiles_dir() -> Path:
    return fixtures_dir() / "reviewers"


def bundled_profile_names() -> list[str]:
    folder = bundled_profiles_dir()
    return sorted(p.stem for p in folder.iterdir() if p.suffix in PROFILE_SUFFIXES)


def load_profile_file(path: Path) -> LoadedProfile:
    data = read_bytes(path, "reviewer profile")
    profile = parse_model(data, path, ReviewerProfile, "reviewer profile")
    return LoadedProfile(profile, str(path), hashlib.sha256(data).hexdigest())


def resolve_profile(ref: str) -> Path:
    """A profile given as a path to a file, or as the name of a bundled profile."""
    as_path = Path(ref)
    if as_path.suffix in PROFILE_SUFFIXES or "/" in ref:
        return as_path
    folder = bundled_profiles_dir()
    for suffix in PROFILE_SUFFIXES:
        if (folder / f"{ref}{suffix}").is_file():
            return folder / f"{ref}{suffix}"
    known = ", ".join(bundled_profile_names())
    raise InputFileError(f"reviewer profile {ref!r}: no such file or name (bundled: {known})")


def load_profiles(refs: list[str]) -> list[LoadedProfile]:
    unique: dict[str, LoadedProfile] = {}
    for ref in refs:
        loaded = load_profile_file(resolve_profile(ref))
        if loaded.name in unique and unique[loaded.name].sha256 != loaded.sha256:
            raise InputFileError(
                f"{loaded.path}: profile name {loaded.name!r} is already used by "
                f"{unique[loaded.name].path}"
            )
        unique.setdefault(loaded.name, loaded)
    return list(unique.values())


def _logit(p: float) -> float:
    return float(np.log(p / (1.0 - p)))


def forward_probability(
    profile: ReviewerProfile,
    *,
    similarity: npt.ArrayLike,
    rank: npt.ArrayLike,
    is_true_mate: npt.ArrayLike,
    in_list: npt.ArrayLike,
    group_odds: npt.ArrayLike = 1.0,
) -> npt.NDArray[np.float64]:
    """P(possible-lead) for leads described by broadcastable arrays.

    `in_list` is true where the search showed the reviewer more than one lead; `rank` is
    1-based; `group_odds` multiplies the odds of an error for the probe's group.
    """
    mate = np.asarray(is_true_mate, dtype=bool)
    listed = np.asarray(in_list, dtype=bool)
    one, many = profile.one_to_one, profile.candidate_list
    accept_if_mate = np.where(
        listed, _logit(1.0 - many.false_reject), _logit(1.0 - one.false_reject)
    )
    accept_if_other = np.where(listed, _logit(many.false_accept), _logit(one.false_accept))
    # An error is a forward for another person and a non-forward for the mate: a harder
    # group moves both away from the truth.
    error_shift = np.log(np.asarray(group_odds, dtype=np.float64))
    base = np.where(mate, accept_if_mate - error_shift, accept_if_other + error_shift)
    bias = profile.automation_bias
    score = np.asarray(similarity, dtype=np.float64)
    z = (
        base
        + bias.similarity_log_odds_per_10
        * np.maximum(score - bias.reference_similarity, 0.0)
        / 10.0
        - bias.rank_log_odds_per_rank * (np.asarray(rank, dtype=np.float64) - 1.0)
    )
    return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)


@dataclass(frozen=True)
class ReviewerDraws:
    """The uniform numbers one reviewer uses for a batch, drawn once.

    Shared by every policy applied to the same batch (common random numbers): a lead
    shown under two policies in the same context gets the same decision under both, so
    differences between policies are not noise from the reviewer.
    """

    forward: npt.NDArray[np.float64]  # (m, k)
    inconclusive: npt.NDArray[np.float64]  # (m, k)


def draw_uniforms(shape: tuple[int, int], seed: int, profile_name: str) -> ReviewerDraws:
    from leadreview.simulation.streams import stream

    rng = stream(seed, "reviewer", profile_name)
    return ReviewerDraws(forward=rng.random(shape), inconclusive=rng.random(shape))


def group_odds_for(
    profile: ReviewerProfile, probe_groups: npt.NDArray[np.str_]
) -> npt.NDArray[np.float64]:
    odds = np.ones(probe_groups.shape, dtype=np.float64)
    for group, ratio in profile.group_error_odds.items():
        odds[probe_groups == group] = ratio
    return odds


def decide_with_draws(
    profile: ReviewerProfile,
    batch: SearchBatch,
    shown: npt.NDArray[np.bool_],
    draws: ReviewerDraws,
) -> npt.NDArray[np.int8]:
    """A decision code for every lead of the batch (NOT_SHOWN where `shown` is false)."""
    k = batch.similarities.shape[1]
    in_list = (shown.sum(axis=1) > 1)[:, None]
    ranks = np.arange(1, k + 1, dtype=np.float64)[None, :]
    odds = group_odds_for(profile, batch.probe_groups)[:, None]
    p = forward_probability(
        profile,
        similarity=batch.similarities,
        rank=ranks,
        is_true_mate=batch.is_true_mate,
        in_list=in_list,
        group_odds=odds,
    )
    forward = draws.forward < p
    inconclusive = draws.inconclusive < profile.inconclusive_share
    codes = np.where(forward, POSSIBLE_LEAD, np.where(inconclusive, INCONCLUSIVE, NOT_A_MATCH))
    return np.where(shown, codes, NOT_SHOWN).astype(np.int8)


def decide_batch(
    profile: ReviewerProfile, batch: SearchBatch, shown: npt.NDArray[np.bool_], seed: int
) -> npt.NDArray[np.int8]:
    """Decisions for every shown lead, deterministic for a given seed and profile."""
    draws = draw_uniforms(batch.similarities.shape, seed, profile.name)
    return decide_with_draws(profile, batch, shown, draws)


class SimulatedReviewer:
    """One simulated reviewer deciding one lead at a time, for the workflow service.

    The workflow passes each lead the reviewer is shown, with the ground truth the
    simulation knows, and records the decision as it records a person's.
    """

    def __init__(self, profile: ReviewerProfile, seed: int, reviewer_id: str = "sim") -> None:
        from leadreview.simulation.streams import stream

        self.profile = profile
        self._rng = stream(seed, "reviewer", profile.name, reviewer_id)

    def decide(
        self,
        similarity: float,
        rank: int,
        is_true_mate: bool,
        leads_shown: int,
        probe_group: str | None = None,
    ) -> DecisionKind:
        odds = self.profile.group_error_odds.get(probe_group or "", 1.0)
        p = float(
            forward_probability(
                self.profile,
                similarity=similarity,
                rank=rank,
                is_true_mate=is_true_mate,
                in_list=leads_shown > 1,
                group_odds=odds,
            )
        )
        u_forward, u_inconclusive = self._rng.random(2)
        if u_forward < p:
            return DecisionKind.POSSIBLE_LEAD
        if u_inconclusive < self.profile.inconclusive_share:
            return DecisionKind.INCONCLUSIVE
        return DecisionKind.NOT_A_MATCH
