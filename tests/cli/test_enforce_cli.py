"""`leadreview case enforce`: an arrest asked for on the command line meets the gate.

On SQLite and PostgreSQL: refused on the lead alone (one line, exit 3, the refusal on
record), refused before review forwarded the lead, refused when the only other evidence
was found by following the lead, granted with independent evidence; bad evidence
arguments end in one line naming them and write nothing.
"""

from pathlib import Path

import pytest

from leadreview.audit.log import AuditLog
from leadreview.domain.decision import DecisionKind
from leadreview.domain.roles import Actor, Role
from leadreview.policy.loader import load_bundled_policies
from leadreview.store.store import Store
from leadreview.store.tables.workflow import EnforcementRequestRow
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.service import ReviewWorkflow
from tests.support.cli import events, principal_of, run
from tests.support.workflow import count, rows

ALICE = Actor(name="alice", role=Role.REVIEWER)


def _open_case(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    image = tmp_path / "still.png"
    rendered = run(capsys, "probe", "render", "--probe", "3", "--output", str(image))
    assert rendered.code == 0, rendered.err
    opened = run(
        capsys, "case", "open", "--image", str(image), "--offense", "theft",
        "--scenario", "wcso-cctv",
    )  # fmt: skip
    assert opened.code == 0, opened.err


def test_the_gate_answers_an_arrest_request_from_the_command_line(
    db: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _open_case(capsys, tmp_path)
    workflow = ReviewWorkflow(
        ctx=WorkflowContext(store=db, audit=AuditLog()),
        policies=PolicySet.of(load_bundled_policies(), "wcso-practice"),
    )
    first, second = (lead.lead_id for lead in workflow.case(1, ALICE).leads[:2])

    not_forwarded = run(capsys, "case", "enforce", str(first), "--kind", "arrest",
                        "--evidence", "eyewitness=a clerk named him")  # fmt: skip
    assert not_forwarded.code == 3
    assert "not forwarded by review" in not_forwarded.one_error_line()

    workflow.decide(ALICE, first, DecisionKind.POSSIBLE_LEAD, "same scar and ears")
    alone = run(capsys, "case", "enforce", str(first), "--kind", "arrest")
    assert alone.code == 3 and "a face-search lead alone" in alone.one_error_line()
    derived = run(capsys, "case", "enforce", str(first), "--kind", "warrant",
                  "--derived", "vehicle-record=his car, found from the lead's name")  # fmt: skip
    assert derived.code == 3 and "no evidence independent" in derived.one_error_line()
    granted = run(capsys, "case", "enforce", str(first), "--kind", "arrest",
                  "--evidence", "fingerprint=a print on the shelf matches",
                  "--derived", "photo-lineup=picked from a line-up")  # fmt: skip
    assert granted.code == 0, granted.err
    assert "granted: corroborated by independent evidence (fingerprint)" in granted.out

    requests = rows(db, EnforcementRequestRow)
    assert [(r["kind"], r["granted"]) for r in requests] == [
        ("arrest", False),
        ("arrest", False),
        ("warrant", False),
        ("arrest", True),
    ]
    refused = events(db, "enforcement.refused")
    assert len(refused) == 3 and {e.actor for e in refused} == {principal_of(db)}
    assert {e.role for e in refused} == {"investigator"}
    [accepted] = events(db, "enforcement.granted")
    assert accepted.payload["independent_evidence"] == ["fingerprint"]
    assert second not in {r["lead_id"] for r in requests}


@pytest.mark.parametrize(
    ("argument", "named"),
    [
        ("dna", "write KIND=DESCRIPTION"),
        ("tarot=the cards said so", "unknown kind"),
        ("dna=" + "x" * 3000, "at most 2000 characters"),
    ],
)
def test_bad_evidence_is_one_line_and_writes_nothing(
    db: Store, capsys: pytest.CaptureFixture[str], argument: str, named: str
) -> None:
    result = run(capsys, "case", "enforce", "1", "--kind", "arrest", "--evidence", argument)
    assert result.code == 2
    line = result.one_error_line()
    assert "--evidence" in line and named in line
    assert count(db, EnforcementRequestRow) == 0
