"""`leadreview replay` from the command line: JSON shape, overrides, policies by file."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

FIELDS = {"threshold", "searches", "leads_shown", "false_leads_shown", "probes_with_false_lead"}


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leadreview", "replay", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def replay_json(*args: str) -> dict:  # type: ignore[type-arg]
    result = replay(*args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_json_holds_every_figure_per_policy_and_group() -> None:
    document = replay_json("aclu-2018", "--gallery-size", "5000", "--probes", "120")
    assert document["scenario"] == "aclu-2018"
    assert document["gallery_size"] == 5000
    policies = document["policies"]
    assert set(policies) == {
        "rekognition-default",
        "amazon-police-95",
        "amazon-documented-99",
        "wcso-practice",
    }
    for name, figures in policies.items():
        assert figures.keys() >= FIELDS, name
        assert figures["searches"] == 120
        by_group = figures["by_group"]
        assert sum(g["probes"] for g in by_group.values()) == 120
        for counts in by_group.values():
            assert FIELDS - {"threshold"} <= counts.keys()
        for field in ("leads_shown", "false_leads_shown", "probes_with_false_lead"):
            assert sum(g[field] for g in by_group.values()) == figures[field]
    assert policies["rekognition-default"]["threshold"] == 80
    assert policies["wcso-practice"]["threshold"] is None
    # Non-mated probes: under the practice, every one of the top 5 is a false lead.
    assert policies["wcso-practice"]["false_leads_shown"] == 5 * 120
    # A higher threshold never shows more.
    shown = [
        policies[p]["leads_shown"]
        for p in ("rekognition-default", "amazon-police-95", "amazon-documented-99")
    ]
    assert shown == sorted(shown, reverse=True)


def test_same_seed_same_figures_and_seed_override_changes_them() -> None:
    args = ("aclu-2018", "--gallery-size", "20000", "--probes", "300")
    first = replay_json(*args, "--seed", "7")
    assert replay_json(*args, "--seed", "7") == first
    other = replay_json(*args, "--seed", "8")
    assert other["seed"] == 8
    assert other["policies"] != first["policies"]


def test_policy_option_takes_names_and_files(tmp_path: Path) -> None:
    mine = tmp_path / "strict.yaml"
    mine.write_text(
        "name: strict-90\ntitle: t\nsources: [mine]\nmin_similarity: 90\n"
        "allowed_use_cases: [investigation]\n"
    )
    document = replay_json(
        "aclu-2018",
        "--gallery-size",
        "2000",
        "--probes",
        "40",
        "--policy",
        "amazon-police-95",
        "--policy",
        str(mine),
    )
    assert list(document["policies"]) == ["amazon-police-95", "strict-90"]
    assert document["policies"]["strict-90"]["threshold"] == 90


def test_table_output_names_every_policy() -> None:
    result = replay("aclu-2018", "--gallery-size", "2000", "--probes", "40")
    assert result.returncode == 0, result.stderr
    for name in ("rekognition-default", "amazon-police-95", "amazon-documented-99"):
        assert name in result.stdout
    assert "ACLU 2018" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("aclu-2018", "--probes", "0"), "--probes"),
        (("aclu-2018", "--gallery-size", "-3"), "--gallery-size"),
        (("no-such-scenario",), "no-such-scenario"),
        (("aclu-2018", "--policy", "no-such-policy"), "no-such-policy"),
    ],
)
def test_bad_arguments_end_in_one_line(args: tuple[str, ...], needle: str) -> None:
    result = replay(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and "Traceback" not in result.stderr


def test_a_scenario_file_with_a_bad_field_names_file_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: bad\ntitle: t\nsources: [s]\nseed: 1\n"
        "gallery: {size: 100, group_mix: {a: 0.5, b: 0.6}}\n"
        "probes: {count: 10, quality: portrait}\npolicies: [wcso-practice]\n"
    )
    result = replay(str(bad))
    assert result.returncode == 2
    line = result.stderr.strip()
    assert str(bad) in line and "line 5" in line and "gallery" in line
