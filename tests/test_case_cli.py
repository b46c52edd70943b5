"""`leadreview probe render` and `case open|list|show` on the simulated backend, end to end:
a probe rendered from a scenario's world, a case opened with it through the workflow, and
its leads and k·p verdicts in the database (SQLite and PostgreSQL)."""

import re
from pathlib import Path

import pytest

from leadreview.policy.loader import bundled_policy_paths
from leadreview.search.probe_image import decode_face_descriptor
from leadreview.store.store import Store
from leadreview.store.tables.workflow import CaseRow, LeadRow, PolicyVerdictRow, ProbeRow
from tests.case_cli_support import cli_env, db, events, run
from tests.workflow_fixtures import count, rows

__all__ = ["cli_env", "db"]  # fixtures

TOP = 5  # wcso-practice, the default policy in force, shows the top 5


def render(capsys: pytest.CaptureFixture[str], output: Path, *extra: str) -> str:
    result = run(capsys, "probe", "render", "--probe", "3", "--output", str(output), *extra)
    assert result.code == 0, result.err
    return result.out


def test_a_rendered_probe_opens_a_case_with_leads_and_verdicts(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    image = tmp_path / "still.png"
    out = render(capsys, image, "--reveal", "--role", "facilitator")  # the truth is hers
    found = re.search(r"ground truth: mated, the mate is gallery face (\S+)", out)
    assert found, out
    mate = found.group(1)
    assert decode_face_descriptor(image.read_bytes()) is not None

    opened = run(
        capsys,
        "case", "open", "--image", str(image), "--offense", "theft from a store",
        "--scenario", "wcso-cctv", "--source", "store CCTV, aisle 4",
    )  # fmt: skip
    assert opened.code == 0, opened.err
    assert "case 1 theft from a store" in opened.out
    assert "wcso-practice *" in opened.out  # the verdict columns, the one in force marked

    assert count(db, CaseRow) == 1
    (probe,) = rows(db, ProbeRow)
    assert (probe["probe_ref"], probe["quality"]) == ("still.png", "cctv")
    leads = rows(db, LeadRow, case_id=1)
    assert [lead["rank"] for lead in leads] == list(range(1, TOP + 1))
    assert mate in {lead["face_id"] for lead in leads}  # a clean enough still finds its mate
    policies = len(bundled_policy_paths())
    assert count(db, PolicyVerdictRow) == TOP * policies
    assert [e.event_type for e in events(db)][-2:] == ["case.opened", "search.recorded"]
    assert events(db, "search.failed") == []

    listed = run(capsys, "case", "list")
    assert listed.code == 0 and "theft from a store" in listed.out
    shown = run(capsys, "case", "show", "1", "--role", "supervisor")
    assert shown.code == 0, shown.err
    assert "probe still.png: cctv, store CCTV, aisle 4" in shown.out


def test_the_ground_truth_is_printed_only_when_asked(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = render(capsys, tmp_path / "still.jpg")
    assert "ground truth" not in out
    assert "probe wcso-cctv-2019-00004 (cctv" in out
    assert (tmp_path / "still.jpg").read_bytes().startswith(b"\xff\xd8\xff")
    assert decode_face_descriptor((tmp_path / "still.jpg").read_bytes()) is not None


def test_probe_render_refuses_bad_requests_in_one_line(
    cli_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad_suffix = run(capsys, "probe", "render", "--output", str(tmp_path / "still.gif"))
    assert "still.gif" in bad_suffix.one_error_line()
    too_far = run(capsys, "probe", "render", "--probe", "200", "--output", str(tmp_path / "a.png"))
    assert "--probe 200" in too_far.one_error_line()


def test_case_open_refuses_bad_requests_in_one_line(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = run(capsys, "case", "open", "--image", str(tmp_path / "nope.png"), "--offense", "x")
    assert "nope.png" in missing.one_error_line()
    image = tmp_path / "still.png"
    render(capsys, image)
    rekognition = run(
        capsys, "case", "open", "--image", str(image), "--offense", "x", "--backend", "rekognition"
    )
    assert "--collection" in rekognition.one_error_line()
    refused = run(
        capsys, "case", "open", "--image", str(image), "--offense", "x", "--role", "reviewer"
    )
    assert refused.code == 3 and "may not open-case" in refused.one_error_line()
    assert count(db, CaseRow) == 0
    assert [e.event_type for e in events(db)] == ["permission.refused"]
