"""`leadreview db grant|revoke LOGIN ROLE`: the owner gives a PostgreSQL login a role.

On PostgreSQL each person uses the application through their own database login; the
roles they may act in are PostgreSQL roles (`leadreview_<role>`) granted to that login,
which the audit table's trigger checks on every event. Granting and revoking are events.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from leadreview.audit.log import AuditLog
from leadreview.domain.roles import Role
from leadreview.errors import ConfigurationError, PermissionRefused
from leadreview.store.privileges import apply_app_privileges, role_name
from leadreview.store.store import Store

GRANTED = "db.role_granted"
REVOKED = "db.role_revoked"
# Who grants is the database owner, acting outside the application's roles.
OWNER_ROLE = "owner"


@dataclass(frozen=True)
class RoleChange:
    owner: str
    login: str
    role: Role
    changed: bool  # False if the login already held (or did not hold) the role


def change_role(
    store: Store, audit: AuditLog, login: str, role: Role, *, grant: bool
) -> RoleChange:
    """Grant (or revoke) `role` to the PostgreSQL login `login`, as the schema's owner."""
    if store.dialect != "postgresql":
        raise ConfigurationError(
            f"database {store.url}: roles are granted to logins on PostgreSQL only; on SQLite "
            "the operating-system user running leadreview is the principal"
        )
    pg_role = role_name(role)
    try:
        with store.transaction() as session:
            owner, may_grant = session.execute(
                text(
                    "SELECT session_user::text, pg_has_role(session_user, c.relowner, 'MEMBER') "
                    "FROM pg_class c WHERE c.oid = 'audit_event'::regclass"
                )
            ).one()
            if not may_grant:
                raise PermissionRefused(
                    f"db {'grant' if grant else 'revoke'}: login {owner!r} does not own the "
                    "leadreview schema; the owner grants roles"
                )
            found = session.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :name"), {"name": login}
            ).first()
            if found is None or not found[0]:
                raise ConfigurationError(
                    f"login {login!r}: no such PostgreSQL login (CREATE ROLE … LOGIN first)"
                )
            apply_app_privileges(session.connection())
            held = session.execute(
                text("SELECT pg_has_role(:login, :role, 'MEMBER')"),
                {"login": login, "role": pg_role},
            ).scalar_one()
            changed = bool(held) != grant
            if changed:
                verb = "GRANT {} TO {}" if grant else "REVOKE {} FROM {}"
                quote = session.connection().dialect.identifier_preparer.quote_identifier
                session.execute(text(verb.format(quote(pg_role), quote(login))))
            audit.append(
                session,
                actor=owner,
                role=OWNER_ROLE,
                event_type=GRANTED if grant else REVOKED,
                payload={
                    "login": login,
                    "role": role.value,
                    "database_role": pg_role,
                    "changed": changed,
                },
            )
    except DBAPIError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
        raise ConfigurationError(f"database {store.url}: {first}") from None
    return RoleChange(owner=owner, login=login, role=role, changed=changed)
