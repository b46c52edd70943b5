"""`report audit`: per decision every policy's verdict, forwarded leads each policy would
have filtered, counts, the chain's verification; escaped, self-contained, and on record."""

import hashlib
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from leadreview.analysis.audit_report_html import audit_report_html
from leadreview.domain.decision import DecisionKind
from leadreview.domain.policy import Verdict
from leadreview.errors import PermissionRefused
from leadreview.store.store import Store
from leadreview.workflow.audit_report import build_audit_report, record_report
from leadreview.workflow.audit_report_views import AuditReport
from leadreview.workflow.service import ReviewWorkflow
from tests.support.audit import behind_the_guards
from tests.support.browser import needs_chromium, run_chromium, without_sources
from tests.support.workflow import (
    ALICE,
    AUDITOR,
    INVESTIGATOR,
    events,
    opening,
)

HOSTILE = "<script>alert('x')</script> & \"same scar\""
POSSIBLE = DecisionKind.POSSIBLE_LEAD
# Similarities of the top 5: 99.6, 96.03, 93.5, 88.0, 79.0. Alice forwards ranks 2, 4, 5.
FORWARDED_RANKS = {2, 4, 5}
# Forwarded leads each policy would have filtered: 99 filters 96.03, 88 and 79; 95 filters
# 88 and 79; the API default of 80 filters 79; the practice and two-reviewers nothing.
EXPECTED_FORWARDED_FILTERED = {
    "amazon-documented-99": 3,
    "amazon-police-95": 2,
    "rekognition-default": 1,
    "two-reviewers": 0,
    "wcso-practice": 0,
}


def review(workflow: ReviewWorkflow) -> int:
    detail = workflow.open_case(INVESTIGATOR, opening())
    for lead in detail.leads:
        if not lead.shown:
            continue
        forwarded = lead.rank in FORWARDED_RANKS
        rationale = HOSTILE if lead.rank == 5 else f"rank {lead.rank} compared"
        kind = POSSIBLE if forwarded else DecisionKind.NOT_A_MATCH
        workflow.decide(ALICE, lead.lead_id, kind, rationale)
    return detail.summary.case_id


def test_the_report_answers_the_auditors_questions(workflow: ReviewWorkflow) -> None:
    review(workflow)
    report = build_audit_report(workflow, AUDITOR)
    assert report.chain.ok and report.chain.head_seq == report.chain.events > 0
    assert len(report.decisions) == 5
    assert report.by_decision == {
        DecisionKind.POSSIBLE_LEAD: 3,
        DecisionKind.NOT_A_MATCH: 2,
        DecisionKind.INCONCLUSIVE: 0,
    }
    tallies = {t.policy_name: t for t in report.policies}
    assert {n: t.forwarded_filtered for n, t in tallies.items()} == EXPECTED_FORWARDED_FILTERED
    assert {n: len(v) for n, v in report.forwarded_filtered.items()} == (
        EXPECTED_FORWARDED_FILTERED
    )
    strictest = tallies["amazon-documented-99"]
    assert (strictest.on_shown, strictest.on_filtered) == (1, 4)  # it shows only 99.6
    assert strictest.filtered_by_decision[POSSIBLE] == 3
    assert tallies["amazon-police-95"].filtered_by_decision[DecisionKind.NOT_A_MATCH] == 1
    # Per decision, every policy's verdict on that lead.
    rank5 = next(d for d in report.decisions if d.rank == 5)
    assert rank5.rationale == HOSTILE.strip()
    assert rank5.verdict_for("rekognition-default").verdict is Verdict.FILTERED  # type: ignore[union-attr]
    assert rank5.verdict_for("wcso-practice").in_force  # type: ignore[union-attr]
    assert len(rank5.verdicts) == len(EXPECTED_FORWARDED_FILTERED)


def test_a_reviewer_may_not_read_the_report_and_the_attempt_is_recorded(
    workflow: ReviewWorkflow, store: Store
) -> None:
    with pytest.raises(PermissionRefused, match="may not view-audit"):
        build_audit_report(workflow, ALICE)
    (refusal,) = events(store, "permission.refused")
    assert (refusal.actor, refusal.payload["subject"]) == ("alice", {"report": "audit"})


def test_producing_the_report_is_on_record(workflow: ReviewWorkflow, store: Store) -> None:
    review(workflow)
    report = build_audit_report(workflow, AUDITOR)
    html = audit_report_html(report).encode()
    digest = hashlib.sha256(html).hexdigest()
    event = record_report(workflow, AUDITOR, report, fmt="html", output_sha256=digest)
    assert (event.actor, event.role, event.event_type) == ("audrey", "auditor", "report.generated")
    assert event.seq == report.chain.head_seq + 1
    payload = event.payload
    assert payload["output_sha256"] == digest
    assert payload["covers"] == {
        "head_seq": report.chain.head_seq,
        "head_digest": report.chain.head_digest,
        "events": report.chain.events,
    }
    assert payload["forwarded_filtered"] == EXPECTED_FORWARDED_FILTERED


def test_a_broken_chain_is_reported_not_hidden(workflow: ReviewWorkflow, store: Store) -> None:
    review(workflow)
    with behind_the_guards(store) as connection:
        connection.exec_driver_sql("UPDATE audit_event SET actor = 'mallory' WHERE seq = 3")
    report = build_audit_report(workflow, AUDITOR)
    assert not report.chain.ok and report.chain.first_bad_seq == 3
    html = audit_report_html(report)
    assert "Chain verification FAILED: first bad sequence number 3" in html


def key_figures(report: AuditReport) -> list[str]:
    figures = [report.chain.head_digest, f"head sequence {report.chain.head_seq}"]
    figures += [
        f"{t.forwarded_filtered} forwarded lead(s) would have been filtered by {t.policy_name}"
        for t in report.policies
        if t.forwarded_filtered
    ]
    return figures


def test_every_string_is_escaped_and_nothing_is_fetched(workflow: ReviewWorkflow) -> None:
    review(workflow)
    report = build_audit_report(workflow, AUDITOR)
    html = audit_report_html(report)
    assert "<script" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;same scar&quot;" in html
    plain = re.sub(r"<[^>]+>", "", html)
    for figure in key_figures(report):
        assert figure in plain
    body = without_sources(html)
    assert "http" not in body
    assert not re.search(r"<(script|link|img|iframe)\b", body)
    assert "@import" not in body and not re.search(r"url\(", body)


def _cli_env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "LEADREVIEW_CONFIG": str(tmp_path / "config.toml"),
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_DATABASE_URL": database_url,
        "LEADREVIEW_SIGNING_KEY_PATH": str(tmp_path / "signing.key"),
    }


def test_report_audit_command_writes_the_page_and_records_it(
    workflow: ReviewWorkflow, store: Store, database_url: str, tmp_path: Path
) -> None:
    review(workflow)
    output = tmp_path / "report.html"
    result = subprocess.run(
        [sys.executable, "-m", "leadreview", "report", "audit", "--output", str(output)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_cli_env(database_url, tmp_path),
    )
    assert result.returncode == 0, result.stderr
    assert "5 decisions, chain verified" in result.stderr
    html = output.read_bytes()
    (event,) = events(store, "report.generated")
    # The real principal: the OS user (SQLite) or the login (PostgreSQL) that ran it.
    assert event.actor == event.login and event.role == "auditor"
    assert event.payload["output_sha256"] == hashlib.sha256(html).hexdigest()
    assert event.payload["destination"] == "report.html"
    assert not list(tmp_path.glob(".report.html.partial"))


@needs_chromium
def test_the_audit_report_renders_in_headlessrun_chromium(
    workflow: ReviewWorkflow, tmp_path: Path
) -> None:
    review(workflow)
    report = build_audit_report(workflow, AUDITOR)
    page = tmp_path / "audit.html"
    page.write_text(audit_report_html(report), encoding="utf-8")
    dom = run_chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    text_ = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", dom.stdout))
    for figure in key_figures(report):
        assert figure in text_
    assert "Audit report — lead review" in text_
    assert "<script" not in dom.stdout  # the hostile rationale stayed text
    shot = tmp_path / "audit.png"
    run_chromium(page, tmp_path, "--hide-scrollbars", "--window-size=1280,1800",
              f"--screenshot={shot}")  # fmt: skip
    assert shot.read_bytes().startswith(b"\x89PNG")
    assert shot.stat().st_size > 20_000
    keep = os.environ.get("LEADREVIEW_KEEP_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(shot.read_bytes())
