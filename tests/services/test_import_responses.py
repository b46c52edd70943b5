"""`audit import-responses`: saved SearchFacesByImage responses recorded as searches with
k leads and k·p verdicts each, a file whole or not at all, never twice (P7 for imports)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from leadreview.audit.service import verify_store
from leadreview.domain.roles import Actor, Role
from leadreview.store.store import Store
from leadreview.store.tables.workflow import (
    CaseRow,
    LeadRow,
    PolicyVerdictRow,
    ProbeRow,
    SearchRow,
)
from leadreview.workflow import import_responses as importer
from leadreview.workflow import recording
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.import_responses import RESPONSE_IMPORTED, import_responses
from leadreview.workflow.sql import as_utc
from tests.support.workflow import count, events, policy_set, rows

FIXTURES = Path(__file__).parents[2] / "fixtures" / "responses"
FILES = ("wcso-18-0112.json", "wcso-18-0347.json", "wcso-18-0590.json")
K = 5  # candidates per saved response, as the WCSO's searches returned
CLERK = Actor(name="rita", role=Role.SUPERVISOR)
WRITTEN = (CaseRow, ProbeRow, SearchRow, LeadRow, PolicyVerdictRow)


@pytest.fixture
def responses(tmp_path: Path) -> Path:
    folder = tmp_path / "responses"
    shutil.copytree(FIXTURES, folder)
    return folder


def _counts(store: Store) -> dict[str, int]:
    tallies = {model.__name__: count(store, model) for model in WRITTEN}
    tallies["events"] = len(events(store))
    return tallies


def test_a_good_directory_imports_every_search_with_k_leads_and_k_p_verdicts(
    ctx: WorkflowContext, store: Store, policy_dir: Path, responses: Path
) -> None:
    policies = policy_set(policy_dir)
    p = len(policies.policies)

    report = import_responses(ctx, CLERK, policies, responses)

    assert [i.name for i in report.imported] == list(FILES)
    assert report.skipped == [] and report.already == []
    assert all(i.leads == K and i.verdicts == K * p for i in report.imported)
    assert count(store, SearchRow) == len(FILES)
    assert count(store, LeadRow) == len(FILES) * K
    assert count(store, PolicyVerdictRow) == len(FILES) * K * p
    for item in report.imported:
        assert count(store, LeadRow, search_id=item.search_id) == K
    # The search time is the agency's, from the manifest (14:03 PST is 22:03 UTC).
    first = rows(store, SearchRow, id=report.imported[0].search_id)[0]
    assert as_utc(first["searched_at"]).strftime("%Y-%m-%d %H:%M") == "2018-01-12 22:03"
    assert first["collection_id"] == "wcso-booking" and first["face_model_version"] == "6.0"
    # The sidecar's fields win over the manifest's defaults.
    probes = {r["probe_ref"]: r for r in rows(store, ProbeRow)}
    assert probes["wcso-18-0590.json"]["quality"] == "phone"
    assert probes["wcso-18-0590.json"]["image"] is None

    assert len(events(store, "case.opened")) == len(FILES)
    recorded = events(store, "search.recorded")
    assert [e.payload["verdict_count"] for e in recorded] == [K * p] * len(FILES)
    imported = events(store, RESPONSE_IMPORTED)
    assert [e.payload["file"] for e in imported] == list(FILES)
    assert all(e.actor == "rita" and e.role == "supervisor" for e in imported)
    assert imported[0].payload["searched_by"] == "deputy-0412"
    # The WCSO's 96.03 true lead: shown by the practice, filtered by a 99 threshold.
    payload: Any = recorded[0].payload
    names = [q["name"] for q in payload["policies"]]
    lead = payload["leads"][0]
    assert lead["similarity"] == 96.03
    verdicts = dict(zip(names, (v[0] for v in lead["verdicts"]), strict=True))
    assert verdicts["wcso-practice"] == "shown"
    assert verdicts["amazon-documented-99"] == "filtered"
    assert verify_store(store).ok


def _write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def test_malformed_files_are_named_and_skipped_while_the_others_import(
    ctx: WorkflowContext, store: Store, policy_dir: Path, responses: Path
) -> None:
    good = json.loads((responses / FILES[0]).read_text())
    _write(responses, "broken.json", '{"FaceMatches": [')
    wrong = {**good, "FaceMatches": [{**good["FaceMatches"][0], "Similarity": "high"}]}
    meta = {"case": "X-1", "use_case": "investigation", "searched_by": "d"}
    _write(responses, "wrong-shape.json", json.dumps(wrong))
    _write(
        responses,
        "wrong-shape.meta.json",
        json.dumps({**meta, "searched_at": "2018-01-01T00:00:00Z"}),
    )
    _write(responses, "unlisted.json", json.dumps(good) + " ")
    _write(responses, "no-time.json", json.dumps(good) + "  ")
    _write(responses, "no-time.meta.json", json.dumps(meta))
    manifest = (responses / "manifest.yaml").read_text()
    _write(responses, "manifest.yaml", manifest + "  gone.json: {case: X-2}\n")

    report = import_responses(ctx, CLERK, policy_set(policy_dir), responses)

    reasons = {s.name: s.reason for s in report.skipped}
    assert set(reasons) == {
        "broken.json",
        "wrong-shape.json",
        "unlisted.json",
        "no-time.json",
        "gone.json",
    }
    assert "not valid JSON" in reasons["broken.json"]
    assert "FaceMatches[0].Similarity" in reasons["wrong-shape.json"]
    assert "no entry in manifest.yaml" in reasons["unlisted.json"]
    assert "searched_at" in reasons["no-time.json"]
    assert "no such file" in reasons["gone.json"]
    assert [i.name for i in report.imported] == list(FILES)
    assert count(store, SearchRow) == len(FILES)


def test_a_failure_mid_file_leaves_nothing_of_that_file(
    ctx: WorkflowContext,
    store: Store,
    policy_dir: Path,
    responses: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    policies = policy_set(policy_dir)
    real = recording.record_searches

    def fail_on_second_file(*args: Any, **kwargs: Any) -> Any:
        recorded = real(*args, **kwargs)  # search, leads, verdicts and event are written…
        if kwargs["now"].month == 3:  # wcso-18-0347.json, searched in March
            raise OperationalError("INSERT", {}, Exception("disk I/O error (injected)"))
        return recorded

    monkeypatch.setattr(importer, "record_searches", fail_on_second_file)
    report = import_responses(ctx, CLERK, policies, responses)

    assert [i.name for i in report.imported] == [FILES[0], FILES[2]]
    (skipped,) = report.skipped
    assert skipped.name == FILES[1] and "disk I/O error (injected)" in skipped.reason
    # …and rolled back with the case, the probe and both events.
    p = len(policies.policies)
    assert count(store, CaseRow) == count(store, ProbeRow) == count(store, SearchRow) == 2
    assert count(store, LeadRow) == 2 * K
    assert count(store, PolicyVerdictRow) == 2 * K * p
    assert FILES[1] not in [e.payload["file"] for e in events(store, RESPONSE_IMPORTED)]
    assert len(events(store, "case.opened")) == len(events(store, "search.recorded")) == 2
    assert verify_store(store).ok

    monkeypatch.setattr(importer, "record_searches", real)
    again = import_responses(ctx, CLERK, policies, responses)
    assert [i.name for i in again.imported] == [FILES[1]]
    assert [a.name for a in again.already] == [FILES[0], FILES[2]]


def test_re_importing_the_same_files_is_a_no_op(
    ctx: WorkflowContext, store: Store, policy_dir: Path, responses: Path, tmp_path: Path
) -> None:
    policies = policy_set(policy_dir)
    first = import_responses(ctx, CLERK, policies, responses)
    before = _counts(store)

    again = import_responses(ctx, CLERK, policies, responses)
    # The same bytes under another name, in another directory, are the same response.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.copy(responses / FILES[0], elsewhere / "renamed.json")
    _write(elsewhere, "renamed.meta.json", (responses / "wcso-18-0590.meta.json").read_text())
    renamed = import_responses(ctx, CLERK, policies, elsewhere)

    assert again.imported == [] and renamed.imported == []
    assert [a.case_id for a in again.already] == [i.case_id for i in first.imported]
    assert renamed.already[0].case_id == first.imported[0].case_id
    assert _counts(store) == before


# --- through the command line, once ------------------------------------------------------


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_SIGNING_KEY_PATH": str(tmp_path / "key" / "signing.key"),
    }
    return subprocess.run(
        [sys.executable, "-m", "leadreview", "audit", "import-responses", *args],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=env,
    )


def _one_error_line(result: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("leadreview: error: ")
    for needle in needles:
        assert needle in lines[0]


def test_the_cli_prints_a_summary_and_exits_with_one_line_errors(
    tmp_path: Path, responses: Path
) -> None:
    _write(responses, "broken.json", "{not json")

    result = _cli(tmp_path, str(responses))
    assert result.returncode == 1, result.stderr
    _one_error_line(result, "1 file(s) skipped: broken.json")
    for name in FILES:
        assert name in result.stdout
    assert "3 imported, 0 already imported, 1 skipped" in result.stdout

    (responses / "broken.json").unlink()
    again = _cli(tmp_path, str(responses))
    assert again.returncode == 0, again.stderr
    assert "0 imported, 3 already imported, 0 skipped" in again.stdout

    missing = _cli(tmp_path, str(tmp_path / "nowhere"))
    assert missing.returncode == 2
    _one_error_line(missing, "nowhere", "no such directory")

    refused = _cli(tmp_path, str(responses), "--role", "auditor")
    assert refused.returncode == 3
    _one_error_line(refused, "'auditor' may not open-case")
