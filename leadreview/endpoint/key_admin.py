"""Issuing and revoking access keys: a supervisor's act, on the record.

`access_key.issued` and `access_key.revoked` name the key id, the principal and role it
acts as, and who issued or revoked it; never the secret. The key file is written inside
the event's transaction and put back as it was if the event cannot be committed, so a
key never exists without its event.
"""

from leadreview.domain.roles import Action, Actor, Role
from leadreview.endpoint.access_keys import AccessKey, IssuedKey, KeyRing
from leadreview.workflow.context import WorkflowContext
from leadreview.workflow.permissions import require

KEY_ISSUED = "access_key.issued"
KEY_REVOKED = "access_key.revoked"


def issue_key(ctx: WorkflowContext, keys: KeyRing, issuer: Actor, principal: Actor) -> IssuedKey:
    require(ctx, issuer, Action.MANAGE_ACCESS_KEYS, {"principal": principal.name})
    before = keys.snapshot()
    try:
        with ctx.store.transaction() as session:
            issued = keys.issue(principal.name, principal.role, issued_by=issuer.name)
            ctx.audit.append(
                session,
                actor=issuer.name,
                role=issuer.role.value,
                event_type=KEY_ISSUED,
                payload=_payload(issued.key),
            )
    except BaseException:
        keys.restore(before)
        raise
    return issued


def revoke_key(
    ctx: WorkflowContext, keys: KeyRing, revoker: Actor, access_key_id: str
) -> AccessKey:
    require(ctx, revoker, Action.MANAGE_ACCESS_KEYS, {"access_key_id": access_key_id})
    before = keys.snapshot()
    try:
        with ctx.store.transaction() as session:
            revoked = keys.revoke(access_key_id, revoked_by=revoker.name)
            ctx.audit.append(
                session,
                actor=revoker.name,
                role=revoker.role.value,
                event_type=KEY_REVOKED,
                payload=_payload(revoked),
            )
    except BaseException:
        keys.restore(before)
        raise
    return revoked


def _payload(key: AccessKey) -> dict[str, object]:
    return {
        "access_key_id": key.access_key_id,
        "principal": key.principal,
        "principal_role": key.role.value,
    }


__all__ = ["KEY_ISSUED", "KEY_REVOKED", "Role", "issue_key", "revoke_key"]
