"""Verdicts replay from the stored policy file; an edited policy file is flagged (P7)."""

from pathlib import Path

import sqlalchemy as sa

from leadreview.domain.decision import DecisionKind
from leadreview.domain.policy import Verdict
from leadreview.store.store import Store
from leadreview.store.tables.workflow import PolicyDocumentRow, PolicyVerdictRow
from leadreview.workflow.service import ReviewWorkflow
from leadreview.workflow.sql import table_of
from tests.support.workflow import (
    ALICE,
    AUDITOR,
    INVESTIGATOR,
    TOP,
    opening,
    rows,
)


def test_recorded_verdicts_reproduce_from_their_policy_files(workflow: ReviewWorkflow) -> None:
    workflow.open_case(INVESTIGATOR, opening())
    report = workflow.replay_verdicts(AUDITOR)
    assert report.checked == TOP * len(workflow.policies.policies)
    assert report.all_reproduced and not report.changed_files
    assert all(not f.changed for f in workflow.check_policy_files(AUDITOR))


def test_an_edited_policy_file_is_flagged_and_old_verdicts_still_replay(
    workflow: ReviewWorkflow, store: Store, policy_dir: Path
) -> None:
    workflow.open_case(INVESTIGATOR, opening())
    path = policy_dir / "amazon-police-95.yaml"
    recorded_sha = next(
        p.sha256 for p in workflow.policies.policies if p.name == "amazon-police-95"
    )
    # Someone lowers the bar after the fact.
    path.write_text(path.read_text().replace("min_similarity: 95", "min_similarity: 90"))

    files = {f.policy_name: f for f in workflow.check_policy_files(AUDITOR)}
    edited = files["amazon-police-95"]
    assert edited.changed and edited.recorded_sha256 == recorded_sha
    assert edited.current_sha256 not in (None, recorded_sha)
    assert edited.verdict_count == TOP
    assert [n for n, f in files.items() if f.changed] == ["amazon-police-95"]

    report = workflow.replay_verdicts(AUDITOR)
    # Replayed from the stored bytes (by digest), every recorded verdict still holds ...
    assert report.all_reproduced
    assert [f.policy_name for f in report.changed_files] == ["amazon-police-95"]
    # ... and the edit is shown for what it would change: the 93.5 lead now passes.
    (changed,) = report.changed_by_current_file
    assert changed.policy_name == "amazon-police-95" and changed.policy_sha256 == recorded_sha
    assert (changed.recorded, changed.replayed) == (Verdict.FILTERED, Verdict.SHOWN)
    stored = rows(store, PolicyDocumentRow, sha256=recorded_sha)[0]
    assert b"min_similarity: 95" in stored["content"]


def test_a_tampered_verdict_does_not_reproduce(workflow: ReviewWorkflow, store: Store) -> None:
    workflow.open_case(INVESTIGATOR, opening())
    table = table_of(PolicyVerdictRow)
    with store.transaction() as session:
        target = (
            session.execute(
                sa.select(table.c.id).where(
                    table.c.policy_name == "amazon-documented-99", table.c.verdict == "filtered"
                )
            )
            .scalars()
            .first()
        )
        session.execute(table.update().where(table.c.id == target).values(verdict="shown"))
    report = workflow.replay_verdicts(AUDITOR)
    assert [r.verdict_id for r in report.not_reproduced] == [target]
    assert report.not_reproduced[0].replayed is Verdict.FILTERED


def test_forwarded_leads_a_policy_would_have_filtered(workflow: ReviewWorkflow) -> None:
    leads = workflow.open_case(INVESTIGATOR, opening()).leads
    # The 96.03 lead is forwarded (the sheriff's true identification); the 99.6 rejected.
    workflow.decide(ALICE, leads[1].lead_id, DecisionKind.POSSIBLE_LEAD, "same tattoo")
    workflow.decide(ALICE, leads[0].lead_id, DecisionKind.NOT_A_MATCH, "different nose")
    (found,) = workflow.forwarded_leads_filtered_by(AUDITOR, "amazon-documented-99")
    assert found.lead_id == leads[1].lead_id and found.similarity == leads[1].similarity
    assert found.rule.value == "min-similarity" and found.forwarded_by == ("alice",)
    assert found.policy_in_force == "wcso-practice"
    assert workflow.forwarded_leads_filtered_by(AUDITOR, "amazon-police-95") == []
