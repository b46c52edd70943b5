"""Import SearchFacesByImage responses saved elsewhere (an agency's own logs) as cases.

A directory holds one response per search, as JSON exactly as the API returned it, and
says what each search was for: in `manifest.yaml` (or `.yml`/`.json`), under
`responses: {FILE: {...}}` with optional `defaults: {...}`, or in a sidecar
`<stem>.meta.json` next to the file (the sidecar's fields win); reading and checking
them is `response_files.py`'s. Each file becomes a case
with a probe that has no image, one search, its leads and every policy's verdict on
every lead — recorded through the same `record_searches` a live search uses, so it lands
in the audit log like any other search — plus a `response.imported` event naming the
file and the SHA-256 of its bytes.

A file lands whole or not at all: everything it writes is one transaction. A file that
cannot be used (not JSON, not the service model's shape, no manifest entry) is reported
by name and skipped; the others still import. The SHA-256 of a file's bytes is looked up
in the `response.imported` events before anything is written, so importing the same
file twice records it once.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from leadreview.domain.case import CaseOpening
from leadreview.domain.roles import Action, Actor
from leadreview.errors import InputFileError, LeadreviewError
from leadreview.store.tables.audit import AuditEventRow
from leadreview.workflow.cases import insert_case
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.recording import SearchToRecord, record_searches
from leadreview.workflow.response_files import (
    ResponseFile,
    SkippedFile,
    scan_directory,
)
from leadreview.workflow.sql import table_of

# Not yet in audit_port.EventType (owned by the workflow colleague); same naming scheme.
RESPONSE_IMPORTED = "response.imported"


@dataclass(frozen=True)
class ImportedFile:
    name: str
    sha256: str
    case_id: int
    search_id: int
    leads: int
    verdicts: int


@dataclass(frozen=True)
class AlreadyImported:
    name: str
    sha256: str
    case_id: int | None


@dataclass
class ImportReport:
    directory: Path
    imported: list[ImportedFile] = field(default_factory=list)
    already: list[AlreadyImported] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped


# --- recording one file ----------------------------------------------------------------


def _lock_digest(session: Session, sha256: str) -> None:
    """Serialise imports of the same bytes so the duplicate check below cannot race.

    SQLite transactions already begin with the writer lock (BEGIN IMMEDIATE); on
    PostgreSQL a transaction-scoped advisory lock keyed on the digest does it.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(bytes.fromhex(sha256[:16]), "big", signed=True)
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def imported_case(session: Session, sha256: str) -> tuple[bool, int | None]:
    """(already imported?, its case id) from the `response.imported` events.

    Payloads are canonical JSON (sorted keys, no spaces), so the digest appears verbatim.
    """
    table = table_of(AuditEventRow)
    row = session.execute(
        sa.select(table.c.payload)
        .where(
            table.c.event_type == RESPONSE_IMPORTED,
            table.c.payload.like(f'%"response_sha256":"{sha256}"%'),
        )
        .limit(1)
    ).first()
    if row is None:
        return False, None
    case_id = json.loads(row[0]).get("case_id")
    return True, case_id if isinstance(case_id, int) else None


def record_import(
    ctx: WorkflowContext, actor: Actor, policies: PolicySet, item: ResponseFile, source: str
) -> ImportedFile | AlreadyImported:
    """One file's case, probe, search, leads, verdicts and events, in one transaction."""
    now = ctx.clock()
    meta = item.meta
    with ctx.store.transaction() as session:
        _lock_digest(session, item.sha256)
        done, earlier_case = imported_case(session, item.sha256)
        if done:
            return AlreadyImported(item.name, item.sha256, earlier_case)
        imported = {
            "file": item.name,
            "source": source,
            "response_sha256": item.sha256,
            "case_ref": meta.case_ref,
            "searched_at": meta.searched_at.isoformat(),
            "searched_by": meta.searched_by,
        }
        # The agency kept the response, not the probe image: the probe has none.
        opening = CaseOpening(
            offense=meta.offense_text,
            use_case=meta.use_case,
            quality=meta.quality,
            source=f"imported response {item.name}",
            probe_ref=item.name,
        )
        case_id, probe_id = insert_case(
            session,
            ctx,
            actor,
            policies,
            opening,
            image=None,
            now=now,
            extra={"imported": imported},
        )
        # `now` of record_searches is the search's time: when the agency ran it.
        (search,) = record_searches(
            session,
            ctx.audit,
            actor,
            policies,
            [
                SearchToRecord(
                    probe_id=probe_id,
                    case_id=case_id,
                    batch_run_id=None,
                    use_case=meta.use_case,
                    collection_id=meta.collection_id,
                    face_match_threshold=item.face_match_threshold,
                    max_faces=item.max_faces,
                    face_model_version=item.face_model_version,
                    leads=item.leads,
                )
            ],
            now=meta.searched_at.astimezone(UTC),  # every time stored is UTC
        )
        ctx.audit.append(
            session,
            actor=actor.name,
            role=actor.role.value,
            event_type=RESPONSE_IMPORTED,
            payload={**imported, "case_id": case_id, "search_id": search.search_id},
        )
        verdicts = len(item.leads) * len(policies.policies)
        return ImportedFile(
            item.name, item.sha256, case_id, search.search_id, len(item.leads), verdicts
        )


def import_responses(
    ctx: WorkflowContext,
    actor: Actor,
    policies: PolicySet,
    directory: Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Import every usable response in `directory`; one transaction per file."""
    require(ctx, actor, Action.OPEN_CASE, {"import_responses": str(directory)})
    report = ImportReport(directory)
    allowed = policies.in_force.policy.allowed_use_cases
    for item in scan_directory(directory):
        if progress is not None:
            progress(item.name)
        if isinstance(item, SkippedFile):
            report.skipped.append(item)
            continue
        if item.meta.use_case not in allowed:
            report.skipped.append(
                SkippedFile(
                    item.name,
                    f"use case {item.meta.use_case.value!r} is not allowed by the policy in "
                    f"force {policies.in_force.name!r}",
                )
            )
            continue
        try:
            result = record_import(ctx, actor, policies, item, str(directory))
        except (InputFileError, SQLAlchemyError) as exc:
            # The transaction rolled back: nothing of this file was written.
            reason = exc.message if isinstance(exc, LeadreviewError) else _first_line(exc)
            report.skipped.append(SkippedFile(item.name, f"not recorded: {reason}"))
            continue
        if isinstance(result, AlreadyImported):
            report.already.append(result)
        else:
            report.imported.append(result)
    return report


def _first_line(error: BaseException) -> str:
    lines = str(getattr(error, "orig", None) or error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def summary_rows(report: ImportReport) -> list[tuple[str, str, str]]:
    """(file, status, detail) per file, in file-name order, for a table."""
    rows = [
        (
            i.name,
            "imported",
            f"case {i.case_id}, search {i.search_id}: {i.leads} leads, {i.verdicts} verdicts",
        )
        for i in report.imported
    ]
    rows += [
        (
            a.name,
            "already imported",
            f"sha256 {a.sha256[:12]}" + (f", case {a.case_id}" if a.case_id else ""),
        )
        for a in report.already
    ]
    rows += [(s.name, "skipped", s.reason) for s in report.skipped]
    return sorted(rows)
