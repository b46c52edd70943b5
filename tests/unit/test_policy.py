"""Policy loading and evaluation: the shadow verdicts."""

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from leadreview.domain.lead import Lead
from leadreview.domain.policy import DecidingRule, UseCase, Verdict
from leadreview.errors import InputFileError
from leadreview.policy.evaluate import evaluate_lead, shown_mask
from leadreview.policy.loader import (
    bundled_policy_paths,
    load_bundled_policies,
    load_policies,
    load_policy_file,
)

REQUIRED = {"wcso-practice", "rekognition-default", "amazon-police-95", "amazon-documented-99"}


def lead(rank: int, similarity: float) -> Lead:
    return Lead(rank=rank, similarity=similarity, face_id=f"f{rank}", external_image_id=f"e{rank}")


def by_name(name: str):  # type: ignore[no-untyped-def]
    return load_policies([name])[0]


def test_bundled_policies_are_all_there_and_cite_sources() -> None:
    loaded = {p.name: p for p in load_bundled_policies()}
    assert loaded.keys() >= REQUIRED
    for p in loaded.values():
        assert p.policy.sources, p.name
        assert Path(p.path).stem == p.name


def test_digest_is_sha256_of_exact_file_bytes() -> None:
    for path in bundled_policy_paths():
        assert load_policy_file(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_sheriffs_96_03_lead_is_shown_by_practice_and_95_filtered_by_99() -> None:
    true_lead = lead(1, 96.03)
    shown = {
        name: evaluate_lead(true_lead, by_name(name), UseCase.INVESTIGATION) for name in REQUIRED
    }
    assert shown["wcso-practice"].verdict is Verdict.SHOWN
    assert shown["rekognition-default"].verdict is Verdict.SHOWN
    assert shown["amazon-police-95"].verdict is Verdict.SHOWN
    verdict_99 = shown["amazon-documented-99"]
    assert verdict_99.verdict is Verdict.FILTERED
    assert verdict_99.rule is DecidingRule.MIN_SIMILARITY
    assert "96.03" in verdict_99.reason and "99" in verdict_99.reason
    assert verdict_99.policy_sha256 == by_name("amazon-documented-99").sha256


def test_wcso_practice_filters_by_rank_only() -> None:
    practice = by_name("wcso-practice")
    assert evaluate_lead(lead(5, 12.0), practice, UseCase.INVESTIGATION).verdict is Verdict.SHOWN
    sixth = evaluate_lead(lead(6, 99.9), practice, UseCase.INVESTIGATION)
    assert (sixth.verdict, sixth.rule) == (Verdict.FILTERED, DecidingRule.MAX_CANDIDATES)


def test_missing_person_threshold_is_lower_under_the_documented_policy() -> None:
    documented = by_name("amazon-documented-99")
    at_85 = lead(1, 85.0)
    assert evaluate_lead(at_85, documented, UseCase.MISSING_PERSON).verdict is Verdict.SHOWN
    assert evaluate_lead(at_85, documented, UseCase.INVESTIGATION).verdict is Verdict.FILTERED


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return path


def test_use_case_not_allowed_filters_everything(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "name: mp-only\ntitle: t\nsources: [s]\nallowed_use_cases: [missing-person]\n",
    )
    verdict = evaluate_lead(lead(1, 99.9), load_policy_file(path), UseCase.INVESTIGATION)
    assert (verdict.verdict, verdict.rule) == (Verdict.FILTERED, DecidingRule.USE_CASE)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n"
            "min_similarity: 101\n",
            "line 5: field 'min_similarity'",
        ),
        (
            "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [arrest-everyone]\n",
            "line 4: field 'allowed_use_cases.0'",
        ),
        (
            "name: Bad Name\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n",
            "line 1: field 'name'",
        ),
        (
            "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\nthreshold: 3\n",
            "line 5: field 'threshold'",
        ),
        ("name: x\ntitle: [unclosed\n", "line 3"),
        ("- just\n- a list\n", "must be a YAML mapping"),
        (
            "name: x\ntitle: t\nsources: [s]\nallowed_use_cases: [investigation]\n"
            "max_candidates: 5000\n",
            "field 'max_candidates'",
        ),
    ],
)
def test_bad_policy_file_names_file_line_and_field(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputFileError) as caught:
        load_policy_file(path)
    message = str(caught.value)
    assert str(path) in message
    assert expected in message
    assert "\n" not in message


def test_missing_policy_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such policy file"):
        load_policy_file(tmp_path / "absent.yaml")


@given(
    similarities=st.lists(
        st.floats(min_value=0, max_value=100, allow_nan=False), min_size=1, max_size=12
    ),
    use_case=st.sampled_from(list(UseCase)),
    name=st.sampled_from(sorted(REQUIRED)),
)
def test_vectorised_mask_agrees_with_verdicts(
    similarities: list[float], use_case: UseCase, name: str
) -> None:
    ranked = sorted(similarities, reverse=True)
    loaded = by_name(name)
    mask = shown_mask(np.array([ranked]), loaded, use_case)[0]
    for index, similarity in enumerate(ranked):
        verdict = evaluate_lead(lead(index + 1, similarity), loaded, use_case)
        assert mask[index] == (verdict.verdict is Verdict.SHOWN)
