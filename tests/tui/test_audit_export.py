"""The terminal app exports the audit log by the CLI's path: with every checkpoint seen."""

import json
from pathlib import Path

from leadreview.audit.log import AuditLog
from leadreview.audit.service import make_checkpoint
from leadreview.domain.roles import Actor, Role
from leadreview.tui.factory import Session

AUDREY = Actor(name="audrey", role=Role.AUDITOR)


def test_the_app_export_carries_the_checkpoints_seen_and_a_fresh_one(real: Session) -> None:
    gateway = real.gateway
    gateway.list_cases(AUDREY)  # the demo's cases are opened on first use
    assert gateway.audit_context is not None
    seen = make_checkpoint(real.store, gateway.audit_context)
    with real.store.transaction() as session:  # the log grows after that checkpoint
        AuditLog().append(session, actor="sam", role="supervisor", event_type="test.later")

    where = gateway.export_audit(AUDREY, "jsonl")

    events_file = Path(where.split(" (")[0])
    events = [json.loads(line) for line in events_file.read_text().splitlines()]
    names = sorted(p.name for p in (events_file.parent / "checkpoints").iterdir())
    assert names == [
        f"checkpoint-{seen.checkpoint.size:012d}.txt",
        f"checkpoint-{len(events):012d}.txt",
    ]
    assert events[-1]["event_type"] == "test.later" and len(events) > seen.checkpoint.size
