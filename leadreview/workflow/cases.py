"""Open a case: run the probe through the backend under the policy in force, and record
the case, its probe, the search, its leads and every policy's verdict in one transaction.

The search itself runs before the transaction opens: a slow backend must not hold the
database's writer lock, and a failed search leaves no case behind, only its
`search.failed` event (see `search_failures`).
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from leadreview.domain.case import CaseOpening, CaseStatus
from leadreview.domain.roles import Action, Actor
from leadreview.search.protocol import FaceSearchClient
from leadreview.search.rekognition import SearchOutcome
from leadreview.store.tables.workflow import CaseRow, ProbeRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_documents import store_policy_documents
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.ports import ProbeImages
from leadreview.workflow.recording import SearchToRecord, record_searches
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.search_failures import search_on_record

# The practice simulated here applies no threshold at search time: the policy layer
# decides, lead by lead, what each policy would show, and says why.
SEARCH_THRESHOLD = 0.0


@dataclass(frozen=True)
class SearchBackend:
    client: FaceSearchClient
    collection_id: str


def open_case(
    ctx: WorkflowContext,
    actor: Actor,
    opening: CaseOpening,
    *,
    backend: SearchBackend,
    policies: PolicySet,
    probe_images: ProbeImages | None = None,
    max_faces: int | None = None,
    face_match_threshold: float = SEARCH_THRESHOLD,
) -> int:
    """Open a case and record its search; returns the new case id.

    `max_faces` (default: what the policies need) and `face_match_threshold` (default 0)
    are for callers that search as someone else asked, e.g. the Rekognition endpoint,
    which records a client's search with the client's own parameters.
    """
    require(ctx, actor, Action.OPEN_CASE, {"offense": opening.offense})
    if policies.chosen:
        # Choosing the policy in force is setting policy, not just using it.
        subject = {
            "in_force": policies.in_force.name,
            "policies": [p.name for p in policies.policies],
        }
        require(ctx, actor, Action.CHANGE_POLICY, subject)
    in_force = policies.in_force.policy
    if opening.use_case not in in_force.allowed_use_cases:
        raise InvalidRequest(
            f"use case {opening.use_case.value!r}: not allowed by the policy in force "
            f"{in_force.name!r}"
        )
    image = _probe_bytes(opening, probe_images)
    # A failure is recorded as `search.failed` (its own transaction) before it is raised.
    outcome = search_on_record(
        ctx,
        actor,
        opening,
        client=backend.client,
        collection_id=backend.collection_id,
        image=image,
        max_faces=max_faces or policies.max_faces(),
        face_match_threshold=face_match_threshold,
    )
    return _record_case(
        ctx,
        actor,
        opening,
        image=image,
        outcome=outcome,
        backend=backend,
        policies=policies,
        max_faces=max_faces or policies.max_faces(),
        face_match_threshold=face_match_threshold,
    )


def _probe_bytes(opening: CaseOpening, probe_images: ProbeImages | None) -> bytes:
    if opening.image is not None:
        return opening.image
    assert opening.probe_ref is not None  # CaseOpening requires one or the other
    if probe_images is None:
        raise InvalidRequest(
            f"probe {opening.probe_ref!r}: no image given and no probe source configured"
        )
    return probe_images.image_for(opening.probe_ref)


def insert_case(
    session: Session,
    ctx: WorkflowContext,
    actor: Actor,
    policies: PolicySet,
    opening: CaseOpening,
    *,
    image: bytes | None,
    now: datetime,
    extra: Mapping[str, Any] | None = None,
) -> tuple[int, int]:
    """Write a case, its probe and the `case.opened` event in the caller's transaction.

    Returns (case id, probe id). `image` is None where only a search response was kept
    (imported responses); `extra` adds fields to the event's payload.
    """
    in_force = policies.in_force
    opener = reviewer_id(session, ctx.audit, actor, now)
    store_policy_documents(session, policies.policies, now)
    case = CaseRow(
        offense=opening.offense,
        use_case=opening.use_case.value,
        status=CaseStatus.OPEN.value,
        opened_by_id=opener,
        opened_at=now,
        policy_name=in_force.name,
        policy_sha256=in_force.sha256,
        reviewers_required=in_force.policy.reviewers_required,
    )
    session.add(case)
    session.flush()
    assert case.id is not None
    probe = ProbeRow(
        case_id=case.id,
        probe_ref=opening.probe_ref,
        quality=opening.quality.value,
        source=opening.source,
        captured_at=opening.captured_at,
        image_sha256=None if image is None else hashlib.sha256(image).hexdigest(),
        image=image,
    )
    session.add(probe)
    session.flush()
    assert probe.id is not None
    ctx.audit.append(
        session,
        actor=actor.name,
        role=actor.role.value,
        event_type=EventType.CASE_OPENED.value,
        payload={
            "case_id": case.id,
            "offense": opening.offense,
            "use_case": opening.use_case.value,
            "policy_in_force": {"name": in_force.name, "sha256": in_force.sha256},
            "reviewers_required": case.reviewers_required,
            "probe": {
                "probe_id": probe.id,
                "probe_ref": opening.probe_ref,
                "quality": opening.quality.value,
                "source": opening.source,
                "captured_at": (opening.captured_at.isoformat() if opening.captured_at else None),
                "image_sha256": probe.image_sha256,
                "image_size": 0 if image is None else len(image),
            },
            **(extra or {}),
        },
    )
    return case.id, probe.id


def _record_case(
    ctx: WorkflowContext,
    actor: Actor,
    opening: CaseOpening,
    *,
    image: bytes,
    outcome: SearchOutcome,
    backend: SearchBackend,
    policies: PolicySet,
    max_faces: int,
    face_match_threshold: float,
) -> int:
    now = ctx.clock()
    with ctx.store.transaction() as session:
        case_id, probe_id = insert_case(
            session, ctx, actor, policies, opening, image=image, now=now
        )
        record_searches(
            session,
            ctx.audit,
            actor,
            policies,
            [
                SearchToRecord(
                    probe_id=probe_id,
                    case_id=case_id,
                    batch_run_id=None,
                    use_case=opening.use_case,
                    collection_id=backend.collection_id,
                    face_match_threshold=face_match_threshold,
                    max_faces=max_faces,
                    face_model_version=outcome.response.get("FaceModelVersion"),
                    leads=outcome.leads,
                )
            ],
            now=now,
        )
        return case_id
