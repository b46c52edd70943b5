"""Join codes: how a participant in a served room proves who they are.

The exercise's facilitator issues one code per participant and role (`exercise invite`);
the code is printed once and stored only as its SHA-256, so the database never holds a
code anyone could type. A code signs in once, before it expires, unless revoked; the
served app's sign-in screen asks for it, and the principal is the invited name and role,
authenticated by `join-code`. Issuing, using, revoking and a refused attempt are events.
"""

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from leadreview.audit.models import NewEvent
from leadreview.domain.roles import Actor, Role, named_actor
from leadreview.errors import PermissionRefused
from leadreview.exercise import records
from leadreview.exercise.permissions import ExerciseAction, require
from leadreview.exercise.records import ExerciseEvent, Status
from leadreview.exercise.system_principals import is_reserved
from leadreview.store.tables.principals import ExerciseInviteRow
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.errors import InvalidRequest, NotFound
from leadreview.workflow.sql import as_utc

JOIN_CODE = "join-code"
# 128 random bits, written as eight groups of four hex digits to be read out in a room.
_CODE_BYTES = 16
# Who a refused attempt is recorded under: nobody was authenticated.
NOBODY = Actor(name="unauthenticated", role=Role.REVIEWER)


@dataclass(frozen=True)
class Invite:
    invite_id: int
    exercise_id: int
    name: str
    role: Role
    expires_at: datetime | None
    code: str  # shown once, never stored


@dataclass(frozen=True)
class InviteStatus:
    """An invite as its facilitator may see it again: everything but the code."""

    invite_id: int
    name: str
    role: Role
    expires_at: datetime | None
    used_at: datetime | None
    revoked_at: datetime | None
    expired: bool  # by the exercise clock's reading when listed


class JoinRefused(PermissionRefused):
    """A join code that signs nobody in; the message says why, in one line."""


# How long a code may wait to be used, as `exercise invite --expires` and the console take it.
DEFAULT_EXPIRY = "2h"
_EXPIRY_UNITS = {"m": 60, "h": 3600, "d": 86400}


def expiry_from_text(text: str, label: str = "--expires") -> timedelta:
    """`30m`, `2h` or `1d` as a duration, from one minute to seven days; else one line."""
    number, unit = text.strip()[:-1], text.strip()[-1:].lower()
    try:
        seconds = float(number) * _EXPIRY_UNITS[unit]
    except (KeyError, ValueError):
        raise InvalidRequest(f"{label} {text!r}: write e.g. 30m, 2h or 1d") from None
    if not 60 <= seconds <= 7 * 86400:  # also refuses nan and inf
        raise InvalidRequest(f"{label} {text!r}: from 1m to 7d")
    return timedelta(seconds=seconds)


def normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch in "0123456789abcdef")


def digest(code: str) -> str:
    return hashlib.sha256(normalise(code).encode("ascii")).hexdigest()


def issue(
    ctx: WorkflowContext,
    actor: Actor,
    exercise_id: int,
    name: str,
    role: Role,
    expires_in: timedelta | None,
) -> Invite:
    """A new code for `name` in `role`, by the exercise's own facilitator."""
    subject = {"exercise_id": exercise_id, "name": name, "role": role.value}
    require(ctx, actor, ExerciseAction.INVITE, subject)
    invited = named_actor(name, role, "exercise invite: name")  # a name the log can seal
    if role is Role.FACILITATOR:
        raise InvalidRequest("exercise invite: participants review; the facilitator needs no code")
    if is_reserved(invited.name):
        raise InvalidRequest(f"exercise invite: {name!r} is a name the system acts under")
    raw = secrets.token_hex(_CODE_BYTES)
    code = "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))
    now = ctx.clock()
    expires_at = now + expires_in if expires_in is not None else None
    with ctx.store.transaction() as session:
        records.require_status(records.get_exercise(session, exercise_id), Status.RUNNING)
        row = ExerciseInviteRow(
            exercise_id=exercise_id,
            name=invited.name,
            role=role.value,
            code_sha256=digest(code),
            issued_by=actor.name,
            issued_at=now,
            expires_at=expires_at,
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        payload = {
            **subject,
            "invite_id": row.id,
            "expires_at": expires_at.isoformat() if expires_at else None,
        }
        _append(ctx, session, actor, ExerciseEvent.INVITE_ISSUED, payload)
        return Invite(row.id, exercise_id, invited.name, role, expires_at, code)


def revoke(ctx: WorkflowContext, actor: Actor, exercise_id: int, invite_id: int) -> bool:
    """Revoke an unused code; False if it was already used or revoked."""
    subject = {"exercise_id": exercise_id, "invite_id": invite_id}
    require(ctx, actor, ExerciseAction.INVITE, subject)
    with ctx.store.transaction() as session:
        row = session.get(ExerciseInviteRow, invite_id, with_for_update=True)
        if row is None or row.exercise_id != exercise_id:
            raise NotFound(f"invite {invite_id}: not an invite of exercise {exercise_id}")
        if row.used_at is not None or row.revoked_at is not None:
            return False
        row.revoked_at = ctx.clock()
        session.add(row)
        payload = {**subject, "name": row.name, "role": row.role}
        _append(ctx, session, actor, ExerciseEvent.INVITE_REVOKED, payload)
        return True


def invites(ctx: WorkflowContext, actor: Actor, exercise_id: int) -> list[InviteStatus]:
    """The exercise's invites (never their codes), for its facilitator."""
    require(ctx, actor, ExerciseAction.INVITE, {"exercise_id": exercise_id, "list": True})
    now = ctx.clock()
    with ctx.store.reading() as session:
        rows = session.exec(
            select(ExerciseInviteRow)
            .where(col(ExerciseInviteRow.exercise_id) == exercise_id)
            .order_by(col(ExerciseInviteRow.id))
        ).all()
        return [
            InviteStatus(
                invite_id=row.id,
                name=row.name,
                role=Role(row.role),
                expires_at=as_utc(row.expires_at) if row.expires_at else None,
                used_at=as_utc(row.used_at) if row.used_at else None,
                revoked_at=as_utc(row.revoked_at) if row.revoked_at else None,
                expired=row.expires_at is not None and as_utc(row.expires_at) <= now,
            )
            for row in rows
            if row.id is not None
        ]


def redeem(ctx: WorkflowContext, code: str) -> tuple[int, Actor]:
    """Sign in with `code`: (exercise id, the invited principal), the code used up.

    Anything else — unknown, used, revoked, expired, the exercise over — is recorded as
    `exercise.invite_refused` (with the first hex digits of the code's digest, so repeated
    guessing shows, never the code) and raised as JoinRefused."""
    wanted = digest(code)
    now = ctx.clock()
    reason: str | None = None
    with ctx.store.transaction() as session:
        row = session.exec(
            select(ExerciseInviteRow)
            .where(col(ExerciseInviteRow.code_sha256) == wanted)
            .with_for_update()
        ).first()
        if row is None or not hmac.compare_digest(row.code_sha256, wanted):
            reason = "no such join code"
        elif row.revoked_at is not None:
            reason = "this join code was revoked"
        elif row.used_at is not None:
            reason = "this join code was already used"
        elif row.expires_at is not None and as_utc(row.expires_at) <= now:
            reason = "this join code has expired"
        elif records.get_exercise(session, row.exercise_id).status != Status.RUNNING.value:
            reason = f"exercise {row.exercise_id} is no longer running"
        if reason is None and row is not None:
            row.used_at = now
            session.add(row)
            invited = Actor(name=row.name, role=Role(row.role))
            payload = {"exercise_id": row.exercise_id, "invite_id": row.id, "role": row.role}
            _append(ctx, session, invited, ExerciseEvent.INVITE_USED, payload)
            return row.exercise_id, invited
    with ctx.store.transaction() as session:
        payload = {
            "reason": reason,
            "code_sha256_prefix": wanted[:8],
            "invite_id": row.id if row is not None else None,
        }
        _append(ctx, session, NOBODY, ExerciseEvent.INVITE_REFUSED, payload)
    raise JoinRefused(f"join code refused: {reason}")


def _append(
    ctx: WorkflowContext,
    session: Session,
    actor: Actor,
    event: ExerciseEvent,
    payload: Mapping[str, object],
) -> None:
    auth = None if event in _FACILITATOR_EVENTS else JOIN_CODE
    new = NewEvent(actor.name, actor.role.value, event.value, dict(payload), auth=auth)
    ctx.audit.append_many(session, [new])


_FACILITATOR_EVENTS = frozenset({ExerciseEvent.INVITE_ISSUED, ExerciseEvent.INVITE_REVOKED})
