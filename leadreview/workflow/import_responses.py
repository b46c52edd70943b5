"""Import SearchFacesByImage responses saved elsewhere (an agency's own logs) as cases.

A directory holds one response per search, as JSON exactly as the API returned it, and
says what each search was for: in `manifest.yaml` (or `.yml`/`.json`), under
`responses: {FILE: {...}}` with optional `defaults: {...}`, or in a sidecar
`<stem>.meta.json` next to the file (the sidecar's fields win). Each file becomes a case
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

import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from leadreview.domain.case import CaseOpening
from leadreview.domain.lead import Lead
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Action, Actor
from leadreview.errors import InputFileError, LeadreviewError
from leadreview.io.yamlfile import parse_model, read_bytes
from leadreview.search.response_shapes import leads_from_response
from leadreview.store.tables.audit import AuditEventRow
from leadreview.workflow.cases import insert_case
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.recording import SearchToRecord, record_searches
from leadreview.workflow.sql import table_of

# Not yet in audit_port.EventType (owned by the workflow colleague); same naming scheme.
RESPONSE_IMPORTED = "response.imported"
MANIFEST_NAMES = ("manifest.yaml", "manifest.yml", "manifest.json")
SIDECAR_SUFFIX = ".meta.json"
# The API's default FaceMatchThreshold: what applied unless the agency set another.
API_DEFAULT_THRESHOLD = 80.0
DEFAULT_COLLECTION = "imported"

Text500 = Annotated[str, Field(min_length=1, max_length=500)]


class ResponseMeta(BaseModel):
    """What the saved response itself does not say: the case, the search and its request."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    case_ref: str | None = Field(default=None, alias="case", min_length=1, max_length=100)
    offense: Text500 | None = None
    use_case: UseCase
    searched_at: AwareDatetime
    searched_by: str = Field(min_length=1, max_length=120)
    quality: CaptureQuality = CaptureQuality.CCTV
    collection_id: str = Field(default=DEFAULT_COLLECTION, pattern=r"^[a-zA-Z0-9_.\-]{1,255}$")
    face_match_threshold: float | None = Field(default=None, ge=0.0, le=100.0)
    max_faces: int | None = Field(default=None, ge=1, le=4096)

    @model_validator(mode="after")
    def _a_case_or_an_offense(self) -> "ResponseMeta":
        if self.case_ref is None and self.offense is None:
            raise ValueError("give the case (its reference) or the offense")
        return self

    @property
    def offense_text(self) -> str:
        return self.offense or f"case {self.case_ref}"


class ResponseManifest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    defaults: dict[str, Any] = Field(default_factory=dict)
    responses: dict[str, dict[str, Any]] = Field(default_factory=dict)


@dataclass(frozen=True)
class ResponseFile:
    """A saved response that passed every check, ready to record."""

    name: str
    sha256: str
    meta: ResponseMeta
    leads: list[Lead]
    face_model_version: str | None
    face_match_threshold: float
    max_faces: int


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


@dataclass(frozen=True)
class SkippedFile:
    name: str
    reason: str


@dataclass
class ImportReport:
    directory: Path
    imported: list[ImportedFile] = field(default_factory=list)
    already: list[AlreadyImported] = field(default_factory=list)
    skipped: list[SkippedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.skipped


class _SkipFileError(LeadreviewError):
    """Why one file cannot be imported; becomes a SkippedFile, never leaves this module."""


# --- reading the directory -------------------------------------------------------------


def _manifest(directory: Path) -> tuple[str | None, ResponseManifest]:
    found = [directory / n for n in MANIFEST_NAMES if (directory / n).is_file()]
    if len(found) > 1:
        raise InputFileError(
            f"{directory}: more than one manifest ({', '.join(p.name for p in found)})"
        )
    if not found:
        return None, ResponseManifest()
    path = found[0]
    return path.name, parse_model(read_bytes(path, "manifest"), path, ResponseManifest, "manifest")


def _response_paths(directory: Path) -> list[Path]:
    return sorted(
        p
        for p in directory.glob("*.json")
        if p.is_file() and p.name not in MANIFEST_NAMES and not p.name.endswith(SIDECAR_SUFFIX)
    )


def _read_sidecar(path: Path) -> bytes:
    from leadreview.io.limits import read_limited

    try:
        return read_limited(path, "sidecar")
    except LeadreviewError as exc:
        raise _SkipFileError(exc.message) from None


def _strict_json(data: bytes, what: str) -> Any:
    def no_constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    from leadreview.io.limits import check_nesting

    try:
        value = json.loads(data.decode("utf-8"), parse_constant=no_constant)
    except UnicodeDecodeError:
        raise _SkipFileError(f"{what} is not UTF-8 text") from None
    except ValueError as exc:
        raise _SkipFileError(f"{what} is not valid JSON ({exc})") from None
    except RecursionError:
        raise _SkipFileError(f"{what} is nested too deeply") from None
    try:
        check_nesting(value, what)
    except LeadreviewError as exc:
        raise _SkipFileError(exc.message) from None
    return value


def _meta_for(path: Path, manifest_name: str | None, manifest: ResponseManifest) -> ResponseMeta:
    fields: dict[str, Any] = dict(manifest.defaults)
    entry = manifest.responses.get(path.name)
    fields.update(entry or {})
    sidecar = path.with_name(path.name.removesuffix(".json") + SIDECAR_SUFFIX)
    if sidecar.is_file():
        extra = _strict_json(_read_sidecar(sidecar), sidecar.name)
        if not isinstance(extra, dict):
            raise _SkipFileError(f"{sidecar.name} must be a JSON object of fields")
        fields.update(extra)
    elif entry is None:
        where = f"no entry in {manifest_name}" if manifest_name else "no manifest"
        raise _SkipFileError(f"{where} and no {sidecar.name} sidecar")
    try:
        return ResponseMeta.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(entry)"
        raise _SkipFileError(f"metadata field {loc!r}: {first['msg']}") from None


def _request_of(meta: ResponseMeta, leads: list[Lead]) -> tuple[float, int]:
    """The request's FaceMatchThreshold and MaxFaces, checked against what came back."""
    threshold = (
        API_DEFAULT_THRESHOLD if meta.face_match_threshold is None else meta.face_match_threshold
    )
    lowest = min((lead.similarity for lead in leads), default=None)
    if lowest is not None and lowest < threshold:
        said = "the API default" if meta.face_match_threshold is None else "the metadata's"
        raise _SkipFileError(
            f"a match scored {lowest:g}, below {said} FaceMatchThreshold {threshold:g}: "
            "give the face_match_threshold the search used"
        )
    max_faces = meta.max_faces or max(1, len(leads))
    if len(leads) > max_faces:
        raise _SkipFileError(f"{len(leads)} matches but max_faces is {max_faces}")
    return threshold, max_faces


def read_response(
    path: Path, manifest_name: str | None, manifest: ResponseManifest
) -> ResponseFile:
    """One checked response file; raises _SkipFileError saying why it cannot be imported."""
    from leadreview.io.limits import MAX_JSON_FILE_BYTES, read_limited

    try:
        data = read_limited(path, "response", MAX_JSON_FILE_BYTES)
    except LeadreviewError as exc:
        raise _SkipFileError(exc.message.removeprefix(f"{path}: ")) from None
    response = _strict_json(data, "the response")
    meta = _meta_for(path, manifest_name, manifest)
    try:
        leads = leads_from_response(response)
    except LeadreviewError as exc:
        raise _SkipFileError(exc.message) from None
    threshold, max_faces = _request_of(meta, leads)
    version = response.get("FaceModelVersion")
    return ResponseFile(
        name=path.name,
        sha256=hashlib.sha256(data).hexdigest(),
        meta=meta,
        leads=leads,
        face_model_version=version if isinstance(version, str) else None,
        face_match_threshold=threshold,
        max_faces=max_faces,
    )


def scan_directory(directory: Path) -> Iterator[ResponseFile | SkippedFile]:
    """Every response file in `directory`, checked, or skipped with the reason."""
    if not directory.is_dir():
        raise InputFileError(f"{directory}: no such directory of saved responses")
    manifest_name, manifest = _manifest(directory)
    paths = _response_paths(directory)
    for missing in sorted(set(manifest.responses) - {p.name for p in paths}):
        yield SkippedFile(missing, f"listed in {manifest_name} but no such file")
    if not paths and not manifest.responses:
        raise InputFileError(f"{directory}: no saved responses (*.json) to import")
    for path in paths:
        try:
            yield read_response(path, manifest_name, manifest)
        except _SkipFileError as exc:
            yield SkippedFile(path.name, exc.message)


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
