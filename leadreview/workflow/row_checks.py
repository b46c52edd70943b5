"""Working rows checked against the log (P15): what the application shows must be what
the log recorded.

Cases, probes, searches, leads, verdicts, decisions and enforcement requests are working
copies: the services write each together with the event that records it, in one
transaction. Someone with write access to the database (or the file) can change a
working row without touching the log; these checks rebuild what each row should hold
from the sealed events and name every row that disagrees, every row no event created,
and every recorded row that is gone. Stored policy documents are checked against their
digest, and the policy file on disk against the digest its verdicts recorded.
"""

import hashlib
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from leadreview.audit.models import ROW_COLUMNS, AuditEvent
from leadreview.domain.decision import LeadStatus
from leadreview.store.tables.audit import AUDIT_EVENT_TABLE
from leadreview.store.tables.workflow import (
    CaseRow,
    DecisionRow,
    EnforcementRequestRow,
    LeadRow,
    PolicyDocumentRow,
    PolicyVerdictRow,
    ProbeRow,
    ReviewerRow,
    SearchRow,
)
from leadreview.workflow.audit_port import EventType
from leadreview.workflow.row_log import (
    _TYPES,
    Disagreement,
    _differ,
    _missing,
    _Recorded,
    _recorded,
    events_of,
    matched,
    rows_of,
)
from leadreview.workflow.sql import table_of


def check_working_rows(session: Session) -> list[Disagreement]:
    """Every disagreement between the workflow's tables and the events that wrote them."""
    log = _recorded(events_of(session, [t.value for t in _TYPES]))
    out: list[Disagreement] = []
    reviewers = {r["id"]: (r["name"], r["role"]) for r in rows_of(session, ReviewerRow)}
    _check_cases(session, log, out)
    _check_searches(session, log, out)
    _check_leads(rows_of(session, LeadRow), log, out)
    _check_verdicts(rows_of(session, PolicyVerdictRow), log, out)
    _check_decisions(session, log, reviewers, out)
    _check_requests(session, log, reviewers, out)
    out.extend(check_policy_documents(session))
    return out


def _first(entry: tuple[Any, ...]) -> int:
    """The sequence number of an entry that starts with it."""
    return int(entry[0])


def _event_seq(entry: tuple[AuditEvent, dict[str, Any]]) -> int:
    return entry[0].seq


def _check_cases(session: Session, log: _Recorded, out: list[Disagreement]) -> None:
    cases = rows_of(session, CaseRow)
    unrecorded = "no case.opened event records this case"
    for case, (seq, payload) in matched(out, "case", cases, log.cases, unrecorded, _first):
        policy = payload.get("policy_in_force") or {}
        _differ(
            out,
            "case",
            case["id"],
            seq,
            {
                "offense": (case["offense"], payload.get("offense")),
                "use_case": (case["use_case"], payload.get("use_case")),
                "policy": (case["policy_name"], policy.get("name")),
                "policy_sha256": (case["policy_sha256"], policy.get("sha256")),
                "reviewers_required": (
                    case["reviewers_required"],
                    payload.get("reviewers_required"),
                ),
            },
        )
    probes = {p["id"]: p for p in rows_of(session, ProbeRow)}
    for case_id, (seq, payload) in log.cases.items():
        recorded = payload.get("probe") or {}
        probe = probes.get(recorded.get("probe_id"))
        if probe is None:
            _missing(out, "probe", recorded.get("probe_id"), f"recorded by event {seq} but gone")
            continue
        image = probe["image"]
        _differ(
            out,
            "probe",
            probe["id"],
            seq,
            {
                "case_id": (probe["case_id"], case_id),
                "probe_ref": (probe["probe_ref"], recorded.get("probe_ref")),
                "quality": (probe["quality"], recorded.get("quality")),
                "source": (probe["source"], recorded.get("source")),
                "image_sha256": (probe["image_sha256"], recorded.get("image_sha256")),
                "image (its SHA-256)": (
                    None if image is None else hashlib.sha256(image).hexdigest(),
                    recorded.get("image_sha256"),
                ),
            },
        )


def _check_searches(session: Session, log: _Recorded, out: list[Disagreement]) -> None:
    searches = rows_of(session, SearchRow)
    unrecorded = "no search.recorded event records it"
    for search, (seq, payload) in matched(
        out, "search", searches, log.searches, unrecorded, _first
    ):
        request = payload.get("request") or {}
        _differ(
            out,
            "search",
            search["id"],
            seq,
            {
                "case_id": (search["case_id"], payload.get("case_id")),
                "probe_id": (search["probe_id"], payload.get("probe_id")),
                "use_case": (search["use_case"], payload.get("use_case")),
                "collection_id": (search["collection_id"], request.get("CollectionId")),
                "face_match_threshold": (
                    search["face_match_threshold"],
                    request.get("FaceMatchThreshold"),
                ),
                "max_faces": (search["max_faces"], request.get("MaxFaces")),
                "policy": (
                    search["policy_name"],
                    (payload.get("policy_in_force") or {}).get("name"),
                ),
            },
        )


def _expected_status(
    payload: dict[str, Any], lead: dict[str, Any], lead_id: int, log: _Recorded
) -> str:
    decided = log.lead_decisions.get(lead_id)
    if decided:
        return str(decided[-1].get("status_after"))
    if payload.get("case_id") is None:
        return LeadStatus.BATCH.value
    return (LeadStatus.AWAITING_REVIEW if lead["shown"] else LeadStatus.FILTERED).value


def _check_leads(
    rows: list[Any], log: _Recorded, out: list[Disagreement], *, complete: bool = True
) -> None:
    unrecorded = "no search.recorded event records this lead"
    for lead, (seq, payload, recorded) in matched(
        out, "lead", rows, log.leads, unrecorded, _first, complete=complete
    ):
        decisions = len(log.lead_decisions.get(lead["id"], []))
        _differ(
            out,
            "lead",
            lead["id"],
            seq,
            {
                "search_id": (lead["search_id"], payload.get("search_id")),
                "case_id": (lead["case_id"], payload.get("case_id")),
                "rank": (lead["rank"], recorded.get("rank")),
                "similarity": (lead["similarity"], recorded.get("similarity")),
                "face_id": (lead["face_id"], recorded.get("face_id")),
                "external_image_id": (
                    lead["external_image_id"],
                    recorded.get("external_image_id"),
                ),
                "shown": (bool(lead["shown"]), recorded.get("shown")),
            },
        )
        expected = _expected_status(payload, recorded, lead["id"], log)
        if lead["status"] != expected or lead["version"] != 1 + decisions:
            out.append(
                Disagreement(
                    "lead",
                    str(lead["id"]),
                    f"status {lead['status']!r} (version {lead['version']}) but the log "
                    f"records {expected!r} after {decisions} decision(s)",
                )
            )


def _check_verdicts(rows: list[Any], log: _Recorded, out: list[Disagreement]) -> None:
    stored = {(v["lead_id"], v["policy_name"]): v for v in rows}
    expected: set[tuple[int, str]] = set()
    for lead_id, (seq, payload, lead) in log.leads.items():
        policies = payload.get("policies") or []
        for policy, verdict in zip(policies, lead.get("verdicts") or [], strict=False):
            if not (isinstance(policy, dict) and isinstance(verdict, list) and len(verdict) == 3):
                continue  # not a verdict the log could have written; the chain names it
            key = (lead_id, str(policy.get("name")))
            expected.add(key)
            row = stored.get(key)
            label = f"lead {lead_id} under {policy['name']}"
            if row is None:
                _missing(out, "verdict", label, f"recorded by event {seq} but gone")
                continue
            _differ(
                out,
                "verdict",
                label,
                seq,
                {
                    "policy_sha256": (row["policy_sha256"], policy.get("sha256")),
                    "verdict": (row["verdict"], verdict[0]),
                    "rule": (row["rule"], verdict[1]),
                    "reason": (row["reason"], verdict[2]),
                },
            )
    for lead_id, policy_name in sorted(set(stored) - expected):
        _missing(
            out,
            "verdict",
            f"lead {lead_id} under {policy_name}",
            "no search.recorded event records this verdict",
        )


def case_lead_disagreements(session: Session, case_id: int) -> dict[int, list[str]]:
    """For `case show` and the terminal app: each lead of one case that disagrees with the
    log, with what disagrees. Reads only the events that mention the case."""
    table = AUDIT_EVENT_TABLE
    mentions = sa.or_(
        table.c.payload.like(f'%"case_id":{case_id},%'),
        table.c.payload.like(f'%"case_id":{case_id}}}%'),
    )
    query = (
        sa.select(*(table.c[name] for name in ROW_COLUMNS))
        .where(
            table.c.event_type.in_([EventType.SEARCH_RECORDED.value, EventType.LEAD_DECIDED.value]),
            mentions,
        )
        .order_by(table.c.seq)
    )
    events = [AuditEvent.from_raw(tuple(row)) for row in session.execute(query)]
    log = _recorded(e for e in events if e.payload.get("case_id") == case_id)
    leads = list(
        session.execute(
            sa.select(table_of(LeadRow)).where(table_of(LeadRow).c.case_id == case_id)
        ).mappings()
    )
    lead_ids = [lead["id"] for lead in leads]
    verdicts = list(
        session.execute(
            sa.select(table_of(PolicyVerdictRow)).where(
                table_of(PolicyVerdictRow).c.lead_id.in_(lead_ids)
            )
        ).mappings()
    )
    out: list[Disagreement] = []
    _check_leads(leads, log, out, complete=False)
    _check_verdicts(verdicts, log, out)
    found: dict[int, list[str]] = defaultdict(list)
    for item in out:
        lead_id = int(item.key.split()[1]) if item.table == "verdict" else int(item.key)
        found[lead_id].append(item.detail if item.table == "lead" else item.line())
    return dict(found)


def _check_decisions(
    session: Session,
    log: _Recorded,
    reviewers: dict[int, tuple[str, str]],
    out: list[Disagreement],
) -> None:
    decisions = rows_of(session, DecisionRow)
    unrecorded = "no lead.decided event records it"
    for decision, (event, payload) in matched(
        out, "decision", decisions, log.decisions, unrecorded, _event_seq
    ):
        who = reviewers.get(decision["reviewer_id"], ("?", "?"))
        _differ(
            out,
            "decision",
            decision["id"],
            event.seq,
            {
                "lead_id": (decision["lead_id"], payload.get("lead_id")),
                "decision": (decision["kind"], payload.get("decision")),
                "rationale": (decision["rationale"], payload.get("rationale")),
                "lead_version": (decision["lead_version"], payload.get("lead_version")),
                "reviewer": (who, (event.actor, event.role)),
            },
        )


def _check_requests(
    session: Session,
    log: _Recorded,
    reviewers: dict[int, tuple[str, str]],
    out: list[Disagreement],
) -> None:
    requests = rows_of(session, EnforcementRequestRow)
    unrecorded = "no enforcement event records it"
    for request, (event, payload) in matched(
        out, "enforcement request", requests, log.requests, unrecorded, _event_seq
    ):
        evidence = request["evidence"]
        if isinstance(evidence, str):  # JSON stored as text by some drivers
            evidence = json.loads(evidence)
        _differ(
            out,
            "enforcement request",
            request["id"],
            event.seq,
            {
                "lead_id": (request["lead_id"], payload.get("lead_id")),
                "kind": (request["kind"], payload.get("kind")),
                "granted": (bool(request["granted"]), payload.get("granted")),
                "reason": (request["reason"], payload.get("reason")),
                "evidence": (evidence, payload.get("evidence")),
                "requested by": (
                    reviewers.get(request["requested_by_id"], ("?", "?")),
                    (event.actor, event.role),
                ),
            },
        )


def check_policy_documents(session: Session) -> list[Disagreement]:
    """Stored policy bytes against their digest, and each policy file on disk against the
    digests its verdicts recorded.

    A file whose current bytes match no version on record was edited after its verdicts
    were logged: flagged. A file edited and then used again is a new version on record
    (its own digest is stored), so it is not flagged; a file moved or removed is not
    either — the stored bytes still replay every verdict."""
    out: list[Disagreement] = []
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for document in rows_of(session, PolicyDocumentRow):
        recorded = document["sha256"]
        stored = hashlib.sha256(bytes(document["content"])).hexdigest()
        if stored != recorded:
            out.append(
                Disagreement(
                    "policy document",
                    f"{document['name']} {recorded[:12]}…",
                    f"its stored bytes hash to {stored[:12]}…, not the digest verdicts recorded",
                )
            )
        by_path[document["path"]].append(document)
    for path_text, documents in sorted(by_path.items()):
        try:
            on_disk = hashlib.sha256(Path(path_text).read_bytes()).hexdigest()
        except OSError:
            continue
        recorded_digests = {d["sha256"] for d in documents}
        if on_disk in recorded_digests:
            continue
        latest = max(documents, key=lambda d: d["recorded_at"])
        out.append(
            Disagreement(
                "policy file",
                path_text,
                f"now hashes to {on_disk[:12]}…, but the verdicts of policy "
                f"{latest['name']!r} recorded {latest['sha256'][:12]}…: edited since",
                policy_file=True,
            )
        )
    return out
