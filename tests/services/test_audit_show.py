"""`leadreview audit show` through the CLI entry point, on SQLite and PostgreSQL: each
filter returns exactly the events an independent reading of the whole log expects."""

import json
from pathlib import Path
from typing import Any

import pytest

from leadreview.audit.log import AuditLog
from leadreview.audit.models import AuditEvent
from leadreview.domain.decision import DecisionKind
from leadreview.store.store import Store
from leadreview.workflow.service import ReviewWorkflow
from tests.support.workflow import (
    ALICE,
    AUDITOR,
    BOB,
    INVESTIGATOR,
    events,
    opening,
)

POSSIBLE = DecisionKind.POSSIBLE_LEAD
NOT_A_MATCH = DecisionKind.NOT_A_MATCH
INCONCLUSIVE = DecisionKind.INCONCLUSIVE


def _lead_ids(workflow: ReviewWorkflow, case_id: int) -> dict[int, int]:
    """rank -> lead id."""
    return {v.rank: v.lead_id for v in workflow.case(case_id, AUDITOR).leads}


@pytest.fixture
def world(
    workflow: ReviewWorkflow,
    store: Store,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Any]:
    """Two cases with decisions, plus events built to trip a sloppy case filter."""
    first = workflow.open_case(INVESTIGATOR, opening()).summary.case_id
    second = workflow.open_case(INVESTIGATOR, opening(probe_ref="probe-002")).summary.case_id
    a, b = _lead_ids(workflow, first), _lead_ids(workflow, second)
    workflow.decide(ALICE, a[1], POSSIBLE, "same scar on the chin")  # 99.6
    workflow.decide(ALICE, a[2], POSSIBLE, "ear shape and hairline match")  # 96.03
    workflow.decide(BOB, a[3], NOT_A_MATCH, "different jaw")
    workflow.decide(ALICE, a[4], INCONCLUSIVE, "too blurred\nto say")
    # A rationale quoting the canonical form must not make case 2's event about case 1.
    workflow.decide(BOB, b[2], POSSIBLE, f'nose; cf. "case_id":{first}, earlier')
    workflow.decide(ALICE, b[1], NOT_A_MATCH, "wrong person")
    with store.transaction() as session:
        # A nested case_id is not the event's case; neither is a `caseXid` key.
        AuditLog().append(
            session,
            actor="sam",
            role="supervisor",
            event_type="test.nested",
            payload={"cases": [{"case_id": first}], "caseXid": first},
        )
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")  # rich's width when not on a terminal
    return {"first": first, "second": second, "a": a, "b": b}


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from leadreview.cli.app import main

    main(["audit", "show", *args])
    return capsys.readouterr().out


def _json_lines(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in _run(capsys, *args, "--json").splitlines()]


def _seqs(capsys: pytest.CaptureFixture[str], *args: str) -> list[int]:
    return [e["seq"] for e in _json_lines(capsys, *args)]


def _decided(store: Store, **payload: object) -> list[AuditEvent]:
    return [
        e
        for e in events(store, "lead.decided")
        if all(e.payload.get(k) == v for k, v in payload.items())
    ]


def test_case_filter_is_exact_and_agrees_with_the_workflow(
    world: dict[str, Any], store: Store, workflow: ReviewWorkflow, capsys: Any
) -> None:
    first = world["first"]
    expected = [e.seq for e in events(store) if e.payload.get("case_id") == first]
    assert len(expected) == 6  # opened, searched, four decisions
    assert _seqs(capsys, "--case", str(first)) == expected
    assert [e.seq for e in workflow.case_events(first, AUDITOR)] == expected
    assert _seqs(capsys, "--case", str(first), "--limit", "2") == expected[:2]
    assert _seqs(capsys, "--case", str(first), "--type", "case.opened") == expected[:1]


def test_reviewer_decision_and_combined_filters(
    world: dict[str, Any], store: Store, capsys: Any
) -> None:
    alice = [e.seq for e in events(store, "lead.decided") if e.actor == "alice"]
    assert len(alice) == 4
    assert _seqs(capsys, "--reviewer", "alice") == alice
    rejected = [e.seq for e in _decided(store, decision="not-a-match")]
    assert len(rejected) == 2
    assert _seqs(capsys, "--decision", "not-a-match") == rejected
    both = [e.seq for e in _decided(store, case_id=world["first"], decision="possible-lead")]
    assert _seqs(capsys, "--case", str(world["first"]), "--decision", "possible-lead") == both
    combined = _seqs(
        capsys, "--case", str(world["first"]), "--reviewer", "alice", "--decision", "inconclusive"
    )
    assert combined == [e.seq for e in _decided(store, lead_id=world["a"][4])]
    since = both[1]
    assert _seqs(capsys, "--reviewer", "alice", "--since-seq", str(since)) == [
        s for s in alice if s >= since
    ]
    assert _seqs(capsys, "--actor", "ivy", "--type", "case.opened") == [
        e.seq for e in events(store, "case.opened")
    ]


def test_the_table_has_one_summary_line_per_event(world: dict[str, Any], capsys: Any) -> None:
    out = _run(capsys, "--case", str(world["first"]))
    assert "Audit events (6)" in out
    assert f"case {world['first']}: 5 leads (5 shown), 25 verdicts" in out
    assert f"case {world['first']} lead {world['a'][3]} rank 3: not-a-match" in out
    assert "'too blurred to say'" in out  # a newline in a rationale stays on one line
    assert '"offense"' not in out  # no raw JSON
    body = [line for line in out.splitlines() if "│" in line and "seq" not in line]
    assert len(body) == 6


def test_json_lines_carry_the_full_sealed_events(
    world: dict[str, Any], store: Store, capsys: Any
) -> None:
    lines = _json_lines(capsys, "--type", "lead.decided")
    sealed = events(store, "lead.decided")
    assert [line["digest"] for line in lines] == [e.digest for e in sealed]
    assert [line["payload"] for line in lines] == [e.payload for e in sealed]


def test_filtered_by_lists_the_forwarded_lead_the_policy_would_have_kept_back(
    world: dict[str, Any], store: Store, capsys: Any
) -> None:
    out = _run(capsys, "--filtered-by", "amazon-documented-99")
    assert "96.03" in out
    assert "99.60" not in out and "99.6 " not in out  # forwarded too, but above 99
    rows = _json_lines(capsys, "--filtered-by", "amazon-documented-99")
    assert [(r["case_id"], r["rank"], round(r["similarity"], 2)) for r in rows] == [
        (world["first"], 2, 96.03),
        (world["second"], 2, 96.03),
    ]
    assert rows[0]["rule"] == "min-similarity" and rows[0]["forwarded_by"] == ["alice"]
    assert rows[0]["decision_seqs"] == [e.seq for e in _decided(store, lead_id=world["a"][2])]
    assert rows[1]["decision_seqs"] == [e.seq for e in _decided(store, lead_id=world["b"][2])]
    only_bob = _json_lines(capsys, "--filtered-by", "amazon-documented-99", "--reviewer", "bob")
    assert [r["lead_id"] for r in only_bob] == [world["b"][2]]
    in_first = _json_lines(
        capsys, "--filtered-by", "amazon-documented-99", "--case", str(world["first"])
    )
    assert [r["lead_id"] for r in in_first] == [world["a"][2]]


def test_user_errors_are_one_line(world: dict[str, Any], capsys: Any) -> None:
    from leadreview.cli.app import main

    for args, code, words in (
        (["--filtered-by", "no-such-policy"], 2, "no such policy"),
        (["--filtered-by", "wcso-practice", "--type", "x"], 2, "--type"),
        (["--decision", "maybe"], 2, "maybe"),
        (["--case", "999"], 2, "no such case"),
    ):
        with pytest.raises(SystemExit) as exited:
            main(["audit", "show", *args])
        assert exited.value.code == code, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and words in err[0], (args, err)


def test_a_role_without_view_audit_is_refused_and_the_refusal_recorded(
    world: dict[str, Any], store: Store, capsys: Any
) -> None:
    from leadreview.cli.app import main

    case = world["first"]
    before = len(events(store, "permission.refused"))
    with pytest.raises(SystemExit) as exited:
        main(["audit", "show", "--role", "reviewer", "--case", str(case)])
    assert exited.value.code == 3
    refused = events(store, "permission.refused")[before:]
    # The real principal: the OS user (SQLite) or the login (PostgreSQL).
    assert [(e.actor, e.payload["action"]) for e in refused] == [(refused[0].login, "view-audit")]
    # The attempt is part of the case's story: it names the case it aimed at.
    assert refused[0].payload["subject"]["case_id"] == case  # type: ignore[index,call-overload]
    capsys.readouterr()
    assert _seqs(capsys, "--case", str(case))[-1] == refused[0].seq
