"""Write searches, their leads and every policy's verdict on every lead (P7).

One function serves the interactive case and the batch replay alike: a search with k
leads evaluated under p policies writes its search row, k lead rows, exactly k·p verdict
rows and one `search.recorded` audit event carrying all of them, inside the caller's
transaction, so either all of it commits or none of it does.

Lead ids are drawn up front and leads and verdicts go in through `bulk.insert_rows`
(executemany on SQLite, COPY on PostgreSQL), not one ORM object at a time: a batch
replay records tens of thousands of leads and several times as many verdicts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session

from leadreview.audit.models import NewEvent
from leadreview.domain.decision import LeadStatus
from leadreview.domain.lead import Lead
from leadreview.domain.policy import UseCase, Verdict
from leadreview.domain.roles import Actor
from leadreview.policy.evaluate import verdict_rows
from leadreview.policy.rules import VerdictRow
from leadreview.store.tables.workflow import LeadRow, PolicyVerdictRow, SearchRow
from leadreview.workflow.audit_port import AuditAppender, EventType
from leadreview.workflow.bulk import allocate_ids, insert_rows
from leadreview.workflow.policy_set import PolicySet
from leadreview.workflow.sql import table_of


@dataclass(frozen=True)
class SearchToRecord:
    probe_id: int
    case_id: int | None
    batch_run_id: int | None
    use_case: UseCase
    collection_id: str
    face_match_threshold: float
    max_faces: int
    face_model_version: str | None
    leads: Sequence[Lead]


@dataclass(frozen=True)
class RecordedSearch:
    search_id: int
    lead_ids: tuple[int, ...]
    verdicts: tuple[tuple[VerdictRow, ...], ...]  # [lead][policy], policies in set order


_LEAD_COLUMNS = (
    "id",
    "search_id",
    "case_id",
    "rank",
    "similarity",
    "face_id",
    "external_image_id",
    "shown",
    "status",
    "version",
)
_VERDICT_COLUMNS = ("lead_id", "policy_name", "policy_sha256", "verdict", "rule", "reason")
_SHOWN = Verdict.SHOWN.value


def _lead_status(shown: bool, in_case: bool) -> str:
    if not in_case:
        return LeadStatus.BATCH.value
    return (LeadStatus.AWAITING_REVIEW if shown else LeadStatus.FILTERED).value


def record_searches(
    session: Session,
    audit: AuditAppender,
    actor: Actor,
    policies: PolicySet,
    searches: Sequence[SearchToRecord],
    *,
    now: datetime,
) -> list[RecordedSearch]:
    """Record `searches` in the session's transaction; the caller commits.

    The policy documents must already be stored (`store_policy_documents`).
    """
    in_force = policies.in_force_index
    all_verdicts = [verdict_rows(s.leads, policies.policies, s.use_case) for s in searches]
    policy_refs = [{"name": p.name, "sha256": p.sha256} for p in policies.policies]
    search_table = table_of(SearchRow)
    search_ids = [
        int(i)
        for i in session.execute(
            insert(search_table).returning(search_table.c.id, sort_by_parameter_order=True),
            [
                {
                    "case_id": s.case_id,
                    "batch_run_id": s.batch_run_id,
                    "probe_id": s.probe_id,
                    "searched_at": now,
                    "use_case": s.use_case.value,
                    "collection_id": s.collection_id,
                    "face_match_threshold": s.face_match_threshold,
                    "max_faces": s.max_faces,
                    "policy_name": policies.in_force.name,
                    "policy_sha256": policies.in_force.sha256,
                    "face_model_version": s.face_model_version,
                    "lead_count": len(s.leads),
                    "policy_count": len(policies.policies),
                    "policies": policy_refs,
                }
                for s in searches
            ],
        ).scalars()
    ]
    lead_table = table_of(LeadRow)
    lead_ids = allocate_ids(session, lead_table, sum(len(s.leads) for s in searches))
    names = [(p.name, p.sha256) for p in policies.policies]
    lead_rows: list[tuple[Any, ...]] = []
    verdict_rows_out: list[tuple[Any, ...]] = []
    recorded: list[RecordedSearch] = []
    next_id = iter(lead_ids)
    for s, search_id, verdicts in zip(searches, search_ids, all_verdicts, strict=True):
        ids: list[int] = []
        for lead, lead_verdicts in zip(s.leads, verdicts, strict=True):
            lead_id = next(next_id)
            ids.append(lead_id)
            shown = lead_verdicts[in_force][0] == _SHOWN
            lead_rows.append(
                (
                    lead_id,
                    search_id,
                    s.case_id,
                    lead.rank,
                    lead.similarity,
                    lead.face_id,
                    lead.external_image_id,
                    shown,
                    _lead_status(shown, s.case_id is not None),
                    1,
                )
            )
            verdict_rows_out.extend(
                (lead_id, name, sha, *v)
                for (name, sha), v in zip(names, lead_verdicts, strict=True)
            )
        recorded.append(
            RecordedSearch(search_id=search_id, lead_ids=tuple(ids), verdicts=tuple(verdicts))
        )
    insert_rows(session, lead_table, _LEAD_COLUMNS, lead_rows)
    insert_rows(session, table_of(PolicyVerdictRow), _VERDICT_COLUMNS, verdict_rows_out)

    # One event per search: it holds the search's k leads and k·p verdicts in a single
    # sealed record, and the chain's serialised appends grow with searches, not leads.
    audit.append_many(
        session,
        [
            NewEvent(
                actor.name,
                actor.role.value,
                EventType.SEARCH_RECORDED.value,
                search_payload(s, done, policies),
            )
            for s, done in zip(searches, recorded, strict=True)
        ],
    )
    return recorded


def search_payload(
    search: SearchToRecord, recorded: RecordedSearch, policies: PolicySet
) -> dict[str, Any]:
    """The `search.recorded` event: the request, and each lead with every policy's verdict.

    `verdicts` of a lead are [verdict, rule, reason] lists in the order of `policies`,
    so the event stays compact for 50 leads under several policies, and complete: an
    outside auditor holding only the export sees what each policy said about each lead.
    """
    in_force = policies.in_force_index
    return {
        "search_id": recorded.search_id,
        "case_id": search.case_id,
        "batch_run_id": search.batch_run_id,
        "probe_id": search.probe_id,
        "use_case": search.use_case.value,
        "request": {
            "CollectionId": search.collection_id,
            "FaceMatchThreshold": search.face_match_threshold,
            "MaxFaces": search.max_faces,
        },
        "face_model_version": search.face_model_version,
        "policy_in_force": {"name": policies.in_force.name, "sha256": policies.in_force.sha256},
        "policies": [{"name": p.name, "sha256": p.sha256} for p in policies.policies],
        "verdict_count": len(search.leads) * len(policies.policies),
        "leads": [
            {
                "lead_id": lead_id,
                "rank": lead.rank,
                "similarity": lead.similarity,
                "face_id": lead.face_id,
                "external_image_id": lead.external_image_id,
                "shown": verdicts[in_force][0] == _SHOWN,
                "verdicts": [list(v) for v in verdicts],
            }
            for lead, lead_id, verdicts in zip(
                search.leads, recorded.lead_ids, recorded.verdicts, strict=True
            )
        ],
    }
