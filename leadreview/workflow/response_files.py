"""Reading a directory of saved SearchFacesByImage responses, and what each was for.

A directory holds one response per search, as JSON exactly as the API returned it, and
says what each search was for: in `manifest.yaml` (or `.yml`/`.json`), under
`responses: {FILE: {...}}` with optional `defaults: {...}`, or in a sidecar
`<stem>.meta.json` next to the file (the sidecar's fields win). A file that cannot be
used (not JSON, not the service model's shape, no manifest entry) comes back as a
`SkippedFile` saying why; recording the others is `import_responses.py`'s.
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from leadreview.domain.lead import Lead
from leadreview.domain.policy import UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.errors import InputFileError, LeadreviewError
from leadreview.io.yamlfile import parse_model, read_bytes
from leadreview.search.response_shapes import leads_from_response

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
class SkippedFile:
    name: str
    reason: str


class _SkipFileError(LeadreviewError):
    """Why one file cannot be imported; becomes a SkippedFile, never leaves `scan_directory`."""


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
    from leadreview.io.limits import parse_json

    try:
        return parse_json(data, what)
    except LeadreviewError as exc:
        raise _SkipFileError(exc.message) from None


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
