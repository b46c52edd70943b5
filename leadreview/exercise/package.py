"""The exercise package: everything another person needs to check the debrief offline.

report.html        the debrief
aar.html, aar.md   the After-Action Report / Improvement Plan (HSEEP), journal appended
debrief.json       the same figures, machine-readable
events.jsonl       the whole audit log (a chain verifies only whole)
checkpoints/       signed checkpoints, one over the exported head
scenario.yaml      the scenario file exactly as the exercise ran it
verifier.pub       the public key the checkpoints verify with
README.md          how to verify: `leadreview audit verify --from DIR --key KEY`
"""

from dataclasses import dataclass
from pathlib import Path

from leadreview.audit.export import ExportFormat, export_log
from leadreview.audit.service import AuditContext, own_checkpoints, tree_signer
from leadreview.errors import ConfigurationError
from leadreview.exercise.aar_render import aar_html, aar_markdown
from leadreview.exercise.after_action import AfterActionReport
from leadreview.exercise.report import debrief_report
from leadreview.store.store import Store
from leadreview.store.tables.exercise import ExerciseRow


@dataclass(frozen=True)
class PackageSummary:
    directory: Path
    events: int
    head_digest: str
    files: tuple[str, ...]


README = """# Exercise {exercise_id}: {title}

Scenario `{scenario}` (sha256 {scenario_sha256}), seed {seed}.
Exported with {events} audit events; head digest {head}.

## Verify offline

    leadreview audit verify --from . --key verifier.pub

checks every event's digest and link, and that the log extends the signed checkpoint(s)
in `checkpoints/`. `verifier.pub` is a copy for convenience: obtain the key from the
exercise's organiser by another channel and pass that one, or a forger could ship their
own key with their own log.

The ground truth was committed at the start (`exercise.started`, `truth_sha256`) and
opened at the reveal (`exercise.revealed`): both events are in `events.jsonl`, and the
digest of the debrief's truth is {truth}.

The log holds every event of the database the exercise ran in, not only this exercise's:
a hash chain can only be verified whole.
"""


def export_package(
    store: Store, report: AfterActionReport, directory: Path, audit: AuditContext
) -> PackageSummary:
    debrief = report.debrief
    ex = debrief.exercise
    with store.reading() as session:
        row = session.get(ExerciseRow, ex.exercise_id)
        assert row is not None
        scenario_text = row.scenario_text
        scenario_sha256 = row.scenario_sha256
    signer = audit.signer()
    summary = export_log(
        store,
        directory,
        ExportFormat.JSONL,
        sign_tree=tree_signer(store, audit),
        seen_checkpoints=own_checkpoints(store, audit),
    )
    files = {
        "report.html": debrief_report(debrief),
        "aar.html": aar_html(report),
        "aar.md": aar_markdown(report),
        "debrief.json": debrief.model_dump_json(indent=2),
        "scenario.yaml": scenario_text,
        "verifier.pub": signer.verifier().text() + "\n",
        "README.md": README.format(
            exercise_id=ex.exercise_id,
            title=ex.title,
            scenario=ex.scenario_name,
            scenario_sha256=scenario_sha256,
            seed=ex.seed,
            events=summary.events,
            head=summary.head_digest,
            truth=debrief.truth_sha256,
        ),
    }
    try:
        for name, text in files.items():
            (directory / name).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"export directory {directory}: {exc.strerror or exc}") from None
    return PackageSummary(
        directory=directory,
        events=summary.events,
        head_digest=summary.head_digest,
        files=tuple(sorted([*files, "events.jsonl", "checkpoints/"])),
    )
