"""Open a recorded batch run's searches as cases, so that (simulated) reviewers can review them.

A batch run's leads are recorded for analysis and are not open for review (status
`batch`): a decision needs a case, with its policy in force and its N-reviewer rule. This
is the smallest addition that lets a comparison's simulated reviewers decide through the
same `ReviewWorkflow.decide` as a person: each search of the run becomes a case whose
search holds the same ranked leads, with every policy's verdict written anew for the
case's own lead rows (P7: k·p verdicts per search, in the same transaction).

No search is run again. Each `case.opened` event names the batch run and the batch
search it was opened from (`opened_from`), so an auditor can tie the case's leads back
to the run. All the cases of one call commit together or not at all, like the run.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from leadreview.audit.models import NewEvent
from leadreview.domain.case import CaseStatus
from leadreview.domain.policy import UseCase
from leadreview.domain.roles import Action, Actor
from leadreview.store.tables.workflow import CaseRow, ProbeRow, SearchRow
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.batch import CHUNK_SEARCHES, BatchSearch
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest
from leadreview.workflow.permissions import require
from leadreview.workflow.policy_documents import store_policy_documents
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.recording import SearchToRecord, record_searches
from leadreview.workflow.reviewers import reviewer_id
from leadreview.workflow.sql import table_of


def open_batch_cases(
    ctx: WorkflowContext,
    actor: Actor,
    policies: PolicySet,
    batch_run_id: int,
    searches: Sequence[BatchSearch],
    *,
    offense: str,
    use_case: UseCase,
    collection_id: str,
    max_faces: int,
    face_model_version: str | None = None,
) -> list[int]:
    """One case per search of batch run `batch_run_id`, in the run's order; the case ids.

    `searches` must be the run's searches as recorded (same probes, same order); the
    offense text is followed by each probe's reference.
    """
    require(ctx, actor, Action.OPEN_CASE, {"batch_run_id": batch_run_id})
    in_force = policies.in_force
    if use_case not in in_force.policy.allowed_use_cases:
        raise InvalidRequest(
            f"use case {use_case.value!r}: not allowed by the policy in force {in_force.name!r}"
        )
    now = ctx.clock()
    case_ids: list[int] = []
    with ctx.store.transaction() as session:
        origins = _batch_searches(session, batch_run_id, searches)
        opener = reviewer_id(session, ctx.audit, actor, now)
        store_policy_documents(session, policies.policies, now)
        for start in range(0, len(searches), CHUNK_SEARCHES):
            chunk = searches[start : start + CHUNK_SEARCHES]
            ids = _insert_returning(
                session,
                CaseRow,
                [
                    {
                        "offense": f"{offense}: probe {item.probe_ref}"[:500],
                        "use_case": use_case.value,
                        "status": CaseStatus.OPEN.value,
                        "opened_by_id": opener,
                        "opened_at": now,
                        "policy_name": in_force.name,
                        "policy_sha256": in_force.sha256,
                        "reviewers_required": in_force.policy.reviewers_required,
                    }
                    for item in chunk
                ],
            )
            probe_ids = _insert_returning(
                session,
                ProbeRow,
                [
                    {
                        "case_id": case_id,
                        "probe_ref": item.probe_ref,
                        "quality": item.quality.value,
                        "source": item.source,
                    }
                    for item, case_id in zip(chunk, ids, strict=True)
                ],
            )
            ctx.audit.append_many(
                session,
                [
                    NewEvent(
                        actor.name,
                        actor.role.value,
                        EventType.CASE_OPENED.value,
                        _opened_payload(
                            case_id, probe_id, item, offense, use_case, policies, origin
                        ),
                    )
                    for item, case_id, probe_id, origin in zip(
                        chunk,
                        ids,
                        probe_ids,
                        (
                            {"batch_run_id": batch_run_id, "batch_search_id": search_id}
                            for search_id in origins[start : start + CHUNK_SEARCHES]
                        ),
                        strict=True,
                    )
                ],
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
                        use_case=use_case,
                        collection_id=collection_id,
                        face_match_threshold=0.0,
                        max_faces=max_faces,
                        face_model_version=face_model_version,
                        leads=item.leads,
                    )
                    for item, case_id, probe_id in zip(chunk, ids, probe_ids, strict=True)
                ],
                now=now,
            )
            case_ids.extend(ids)
    return case_ids


def _batch_searches(
    session: Session, batch_run_id: int, searches: Sequence[BatchSearch]
) -> list[int]:
    """The run's search ids in recorded order, checked against the searches given."""
    rows = session.exec(
        select(SearchRow.id, ProbeRow.probe_ref)
        .join(ProbeRow, col(ProbeRow.id) == col(SearchRow.probe_id))
        .where(col(SearchRow.batch_run_id) == batch_run_id)
        .order_by(col(SearchRow.id))
    ).all()
    refs = [ref for _, ref in rows]
    if refs != [s.probe_ref for s in searches]:
        raise InvalidRequest(
            f"batch run {batch_run_id}: the searches given are not the run's "
            f"({len(searches)} given, {len(rows)} recorded)"
        )
    return [int(search_id) for search_id, _ in rows if search_id is not None]


def _insert_returning(
    session: Session, model: type[CaseRow] | type[ProbeRow], rows: list[dict[str, Any]]
) -> list[int]:
    table = table_of(model)
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return [int(i) for i in session.execute(statement, rows).scalars()]


def _opened_payload(
    case_id: int,
    probe_id: int,
    item: BatchSearch,
    offense: str,
    use_case: UseCase,
    policies: PolicySet,
    origin: dict[str, int],
) -> dict[str, Any]:
    in_force = policies.in_force
    return {
        "case_id": case_id,
        "offense": f"{offense}: probe {item.probe_ref}"[:500],
        "use_case": use_case.value,
        "policy_in_force": {"name": in_force.name, "sha256": in_force.sha256},
        "reviewers_required": in_force.policy.reviewers_required,
        "opened_from": origin,
        "probe": {
            "probe_id": probe_id,
            "probe_ref": item.probe_ref,
            "quality": item.quality.value,
            "source": item.source,
            "captured_at": None,
            "image_sha256": None,
            "image_size": 0,
        },
    }
