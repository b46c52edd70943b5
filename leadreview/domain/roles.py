"""Who may do what. The permission table lives in code so a test can read it whole.

Every event in the audit log names an actor and the role they acted in; services check
this table before acting and record a refusal as an event of its own (P10).
"""

import re
from enum import StrEnum
from types import MappingProxyType

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Role(StrEnum):
    REVIEWER = "reviewer"
    SUPERVISOR = "supervisor"
    INVESTIGATOR = "investigator"
    AUDITOR = "auditor"
    FACILITATOR = "facilitator"
    # Runs batch replays and comparisons; decides nothing about a case.
    ANALYST = "analyst"


class Action(StrEnum):
    OPEN_CASE = "open-case"
    DECIDE_LEAD = "decide-lead"
    REQUEST_ENFORCEMENT = "request-enforcement"
    VIEW_FILTERED_LEADS = "view-filtered-leads"
    VIEW_AUDIT = "view-audit"
    REPLAY_VERDICTS = "replay-verdicts"
    CHANGE_POLICY = "change-policy"
    OPEN_EXERCISE = "open-exercise"
    RECORD_BATCH = "record-batch"
    # Ground truth (is the probe mated, where is the mate) before an exercise's reveal.
    VIEW_GROUND_TRUTH = "view-ground-truth"
    # Issue and revoke the access keys that sign requests to the Rekognition endpoint.
    MANAGE_ACCESS_KEYS = "manage-access-keys"


_R = Role
_A = Action

# Separation of duties: the investigator who asks for a search does not review its leads,
# and a reviewer cannot act on a lead; auditors only read.
PERMISSIONS: MappingProxyType[Role, frozenset[Action]] = MappingProxyType(
    {
        _R.REVIEWER: frozenset({_A.DECIDE_LEAD}),
        _R.SUPERVISOR: frozenset(
            {
                _A.OPEN_CASE,
                _A.DECIDE_LEAD,
                _A.REQUEST_ENFORCEMENT,
                _A.VIEW_FILTERED_LEADS,
                _A.VIEW_AUDIT,
                _A.REPLAY_VERDICTS,
                _A.CHANGE_POLICY,
                _A.OPEN_EXERCISE,
                _A.MANAGE_ACCESS_KEYS,
            }
        ),
        _R.INVESTIGATOR: frozenset({_A.OPEN_CASE, _A.REQUEST_ENFORCEMENT}),
        _R.AUDITOR: frozenset({_A.VIEW_FILTERED_LEADS, _A.VIEW_AUDIT, _A.REPLAY_VERDICTS}),
        _R.FACILITATOR: frozenset(
            {
                _A.OPEN_CASE,
                _A.OPEN_EXERCISE,
                # The facilitator sets the exercise's policy in force.
                _A.CHANGE_POLICY,
                _A.VIEW_FILTERED_LEADS,
                _A.VIEW_AUDIT,
                _A.RECORD_BATCH,
                _A.VIEW_GROUND_TRUTH,
            }
        ),
        _R.ANALYST: frozenset(
            {_A.RECORD_BATCH, _A.VIEW_FILTERED_LEADS, _A.VIEW_AUDIT, _A.REPLAY_VERDICTS}
        ),
    }
)


def may(role: Role, action: Action) -> bool:
    return action in PERMISSIONS.get(role, frozenset())


_NOT_IN_LABEL = re.compile(r'["\\\x00-\x1f\x7f]')


class Actor(BaseModel):
    """A person (or a simulated reviewer) acting in one role."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=120)  # NAME_MAX
    role: Role

    @field_validator("name")
    @classmethod
    def _a_label(cls, value: str) -> str:
        problem = name_problem(value)
        if problem is not None:
            raise ValueError(problem)
        return value


def named_actor(name: str, role: Role, what: str) -> Actor:
    """The Actor for a name someone typed (an invitee, a key's holder, a login), or one
    line saying what is wrong with it, instead of pydantic's multi-line ValidationError."""
    from pydantic import ValidationError

    from leadreview.errors import LeadreviewError

    try:
        return Actor(name=name, role=role)
    except ValidationError as exc:
        shown = name if len(name) <= 60 else f"{name[:40]}…"
        raise LeadreviewError(f"{what} {shown!r}: {exc.errors()[0]['msg']}") from None


NAME_MAX = 120


def name_problem(value: str) -> str | None:
    """Why `value` cannot name a person, or None. The audit log seals names as bare labels
    (see audit.canonical); the CLI asks this before any work, so the answer is one line."""
    if not value.strip() or _NOT_IN_LABEL.search(value):
        return "a name needs a visible character and no quotes, backslashes or control characters"
    if len(value) > NAME_MAX:
        return f"a name has at most {NAME_MAX} characters, not {len(value)}"
    return None
