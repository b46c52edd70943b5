"""The replay counts, checked on a hand-built batch where every figure is known."""

import threading

import numpy as np
import pytest

from leadreview.analysis.batch import SearchBatch
from leadreview.analysis.replay_metrics import replay_policies
from leadreview.analysis.scenario_overrides import with_overrides
from leadreview.domain.policy import UseCase
from leadreview.policy.loader import load_policies
from leadreview.simulation.scenario import load_scenario


def test_counts_per_policy_and_group_on_a_known_batch() -> None:
    batch = SearchBatch(
        similarities=np.array(
            [
                [99.5, 96.03, 81.0, 40.0, 10.0, 5.0],  # A: mate at rank 2 (96.03)
                [93.5, 85.0, 79.9, 20.0, 10.0, 1.0],  # B: non-mated, impostor at 93.5
                [99.2, 50.0, 49.0, 48.0, 47.0, 46.0],  # A: non-mated, impostor at 99.2
            ]
        ),
        is_true_mate=np.array([[False, True, False, False, False, False]] + [[False] * 6] * 2),
        probe_groups=np.array(["A", "B", "A"]),
        probe_mated=np.array([True, False, False]),
    )
    policies = load_policies(
        ["wcso-practice", "rekognition-default", "amazon-police-95", "amazon-documented-99"]
    )
    results = {r.policy: r for r in replay_policies(batch, policies, UseCase.INVESTIGATION)}

    practice = results["wcso-practice"]
    assert practice.threshold is None
    assert practice.leads_shown == 15  # top 5 of each search
    assert practice.false_leads_shown == 14
    assert practice.probes_with_false_lead == 3

    default = results["rekognition-default"]
    assert default.leads_shown == 3 + 2 + 1
    assert default.false_leads_shown == 5
    assert default.probes_with_false_lead == 3
    assert default.by_group["A"].probes == 2
    assert default.by_group["B"].false_leads_shown == 2

    police = results["amazon-police-95"]
    assert police.leads_shown == 3  # 99.5 and 96.03, and 99.2
    assert police.probes_with_false_lead == 2
    assert police.false_lead_probe_share_by_group == {"A": 1.0, "B": 0.0}

    documented = results["amazon-documented-99"]
    assert documented.leads_shown == 2  # the true 96.03 lead is filtered
    assert documented.false_leads_shown == 2
    assert documented.by_group["B"].probes_with_false_lead == 0


def test_the_search_is_prepared_while_the_gallery_is_generated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """botocore's session and Rekognition model (a quarter of a second of one core) are
    loaded by the thread that runs beside the generation, not after it by the search."""
    from leadreview.analysis import run_batch
    from leadreview.search import service_model as model_module

    loaded_in: list[str] = []
    original = model_module.service_model

    def recording() -> object:
        loaded_in.append(threading.current_thread().name)
        return original()

    monkeypatch.setattr(model_module, "service_model", recording)
    scenario = with_overrides(load_scenario("aclu-2018"), gallery_size=2_000, probes=5)
    run_batch.run_scenario(scenario)
    assert loaded_in and loaded_in[0].startswith("import-search")
