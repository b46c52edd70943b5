"""Simulated reviewers reproduce their published error rates, and bias moves them as modelled."""

from pathlib import Path

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.domain.decision import DecisionKind
from leadreview.errors import InputFileError
from leadreview.simulation.reviewer_model import (
    INCONCLUSIVE,
    NOT_SHOWN,
    POSSIBLE_LEAD,
    ReviewerProfile,
    SimulatedReviewer,
    decide_batch,
    forward_probability,
    load_profile_file,
    load_profiles,
)

N = 200_000


def profile(name: str) -> ReviewerProfile:
    return load_profiles([name])[0].profile


def one_to_one_batch(mate: bool, similarity: float = 90.0, group: str = "a") -> SearchBatch:
    return SearchBatch(
        similarities=np.full((N, 1), similarity),
        is_true_mate=np.full((N, 1), mate),
        probe_groups=np.full(N, group),
        probe_mated=np.full(N, mate),
    )


def list_error_rate(reviewer: ReviewerProfile, group: str = "adults", seed: int = 3) -> float:
    """White, Dunn et al. 2015's task: 8-lead lists, half holding the mate at a random rank.

    A list is in error when a wrong person is forwarded or the mate is not.
    """
    m, k = N // 4, 8
    rng = np.random.default_rng(seed)
    mated = np.arange(m) % 2 == 0
    mate = np.zeros((m, k), dtype=bool)
    mate[np.flatnonzero(mated), rng.integers(0, k, mated.sum())] = True
    batch = SearchBatch(np.full((m, k), 90.0), mate, np.full(m, group), mated)
    forwarded = decide_batch(reviewer, batch, np.ones((m, k), dtype=bool), seed) == POSSIBLE_LEAD
    wrong = (forwarded & ~mate).any(axis=1)
    missed = mated & ~(forwarded & mate).any(axis=1)
    return float((wrong | missed).mean())


def test_untrained_one_to_one_rates_are_white_2014() -> None:
    reviewer = profile("untrained")
    shown = np.ones((N, 1), dtype=bool)
    false_accepts = decide_batch(reviewer, one_to_one_batch(False), shown, 1) == POSSIBLE_LEAD
    false_rejects = decide_batch(reviewer, one_to_one_batch(True), shown, 2) != POSSIBLE_LEAD
    assert false_accepts.mean() == pytest.approx(0.14, abs=0.005)
    assert false_rejects.mean() == pytest.approx(0.06, abs=0.005)


def test_candidate_lists_untrained_over_half_wrong_children_over_60_trained_20_points_better() -> (
    None
):
    untrained = profile("untrained").without_automation_bias()
    trained = profile("trained-examiner").without_automation_bias()
    novice = list_error_rate(untrained)
    examiner = list_error_rate(trained)
    assert 0.50 < novice < 0.60
    assert list_error_rate(untrained, group="children") > 0.60
    assert novice - examiner == pytest.approx(0.20, abs=0.03)


def test_automation_bias_raises_forwards_with_similarity_and_lowers_them_down_the_ranks() -> None:
    reviewer = profile("untrained")
    shown = np.ones((N, 1), dtype=bool)
    rates = [
        (decide_batch(reviewer, one_to_one_batch(False, s), shown, 5) == POSSIBLE_LEAD).mean()
        for s in (70.0, 90.0, 95.0, 99.0)
    ]
    assert rates[0] == pytest.approx(rates[1], abs=0.005)  # a low score does not reassure
    assert rates[1] + 0.02 < rates[2] < rates[3] - 0.02
    ranks = np.arange(1, 6)
    p = forward_probability(reviewer, similarity=95.0, rank=ranks, is_true_mate=False, in_list=True)
    assert np.all(np.diff(p) < 0)
    flat = forward_probability(
        reviewer.without_automation_bias(), similarity=99.0, rank=ranks, is_true_mate=False,
        in_list=True,
    )  # fmt: skip
    assert np.allclose(flat, reviewer.candidate_list.false_accept)


def test_decisions_are_deterministic_per_seed_and_only_for_shown_leads() -> None:
    rng = np.random.default_rng(0)
    sims = -np.sort(-rng.uniform(60, 100, (500, 5)), axis=1)
    mate = np.zeros((500, 5), dtype=bool)
    mate[::2, 0] = True
    batch = SearchBatch(sims, mate, np.array(["a", "b"] * 250), np.asarray(mate.any(axis=1)))
    shown = sims >= 80
    reviewer = profile("trained-examiner")
    first = decide_batch(reviewer, batch, shown, 7)
    assert np.array_equal(first, decide_batch(reviewer, batch, shown, 7))
    assert not np.array_equal(first, decide_batch(reviewer, batch, shown, 8))
    assert np.all((first == NOT_SHOWN) == ~shown)
    assert first.dtype == np.int8


def test_trained_examiners_answer_inconclusive_for_a_share_of_the_leads_not_forwarded() -> None:
    reviewer = profile("trained-examiner")
    codes = decide_batch(reviewer, one_to_one_batch(False), np.ones((N, 1), dtype=bool), 4)
    not_forwarded = codes[codes != POSSIBLE_LEAD]
    assert (not_forwarded == INCONCLUSIVE).mean() == pytest.approx(0.10, abs=0.005)


def test_the_per_lead_reviewer_uses_the_same_model() -> None:
    reviewer = profile("untrained")
    expected = float(
        forward_probability(reviewer, similarity=99.0, rank=1, is_true_mate=False, in_list=False)
    )
    simulated = SimulatedReviewer(reviewer, seed=11)
    decisions = [simulated.decide(99.0, 1, False, leads_shown=1) for _ in range(20_000)]
    share = sum(d is DecisionKind.POSSIBLE_LEAD for d in decisions) / len(decisions)
    assert share == pytest.approx(expected, abs=0.01)
    again = SimulatedReviewer(reviewer, seed=11)
    assert [again.decide(99.0, 1, False, leads_shown=1) for _ in range(100)] == decisions[:100]


def test_bundled_profiles_cite_their_sources() -> None:
    for loaded in load_profiles(["untrained", "trained-examiner"]):
        assert any("White" in s for s in loaded.profile.sources)
        assert len(loaded.sha256) == 64


def test_a_bad_profile_file_is_one_line_naming_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "name: bad\ntitle: t\nsources: [s]\none_to_one:\n  false_accept: 1.5\n"
        "  false_reject: 0.1\ncandidate_list: {false_accept: 0.1, false_reject: 0.1}\n"
    )
    with pytest.raises(InputFileError) as caught:
        load_profile_file(path)
    message = caught.value.message
    assert str(path) in message
    assert "line 5" in message
    assert "one_to_one.false_accept" in message
    assert "\n" not in message


def test_an_unknown_profile_name_lists_the_bundled_ones() -> None:
    with pytest.raises(InputFileError, match="untrained"):
        load_profiles(["no-such-reviewer"])
