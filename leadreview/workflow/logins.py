"""`leadreview db grant|revoke LOGIN ROLE`: the owner gives a login a role.

On PostgreSQL each person uses the application through their own database login; the
roles they may act in are PostgreSQL roles (`leadreview_<role>`) granted to that login,
which the audit table's trigger checks on every event. On SQLite the login is the
operating-system user; the user who owns the database file acts in every role and grants
the others theirs (rows of `role_grant`). Granting and revoking are events; so is a
refused attempt to act in a role not held.
"""

from dataclasses import dataclass

from sqlalchemy import delete, select, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col

from leadreview.audit.log import AuditLog, os_login, utc_now
from leadreview.domain.roles import Role
from leadreview.errors import ConfigurationError, PermissionRefused
from leadreview.store.privileges import apply_app_privileges, role_name
from leadreview.store.store import Store
from leadreview.store.tables.principals import RoleGrantRow

GRANTED = "db.role_granted"
REVOKED = "db.role_revoked"
REFUSED = "permission.refused"
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
    """Grant (or revoke) `role` to `login`, as the database's owner."""
    if store.dialect != "postgresql":
        return _change_sqlite_role(store, audit, login, role, grant=grant)
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


def database_owner(store: Store) -> str:
    """Who owns the database: on SQLite the operating-system user owning the file (who
    created it), on PostgreSQL the login owning the audit table."""
    if store.dialect == "postgresql":
        with store.reading() as session:
            return str(
                session.execute(
                    text(
                        "SELECT pg_get_userbyid(relowner)::text FROM pg_class "
                        "WHERE oid = 'audit_event'::regclass"
                    )
                ).scalar_one()
            )
    path = store.engine.url.database
    if not path or path == ":memory:":
        return os_login()
    return file_owner(path)


def file_owner(path: str) -> str:
    """The operating-system user owning `path` (as `os_login` would name them)."""
    import os
    import pwd

    uid = os.stat(path).st_uid
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid-{uid}"


def holds_role(store: Store, login: str, role: Role) -> bool:
    """Whether `login` may act in `role`: the owner may act in any; others need a grant."""
    if store.dialect == "postgresql":
        with store.reading() as session:
            return bool(
                session.execute(
                    text(
                        "SELECT pg_has_role(:login, c.relowner, 'MEMBER') "
                        "OR pg_has_role(:login, :role, 'MEMBER') "
                        "FROM pg_class c WHERE c.oid = 'audit_event'::regclass"
                    ),
                    {"login": login, "role": role_name(role)},
                ).scalar_one()
            )
    if login == database_owner(store):
        return True
    with store.reading() as session:
        found = session.execute(
            select(col(RoleGrantRow.id)).where(
                col(RoleGrantRow.login) == login, col(RoleGrantRow.role) == role.value
            )
        ).first()
    return found is not None


def refuse_role(store: Store, audit: AuditLog, login: str, role: Role, how: str) -> None:
    """Record that `login` asked to act in a role not granted to them, then raise.

    On PostgreSQL the audit table's trigger accepts only events in a role the login
    holds: the refusal is recorded in one of the roles they do hold (the role they asked
    for is in the payload); a login that holds none cannot write to the log at all, and
    the refusal is then only the one-line error."""
    message = f"{login!r} ({how}) does not hold the role {role.value!r}; the owner grants it"
    recorded_as: str | None = role.value
    if store.dialect == "postgresql":
        held = [r for r in Role if holds_role(store, login, r)]
        recorded_as = held[0].value if held else None
    if recorded_as is not None:
        with store.transaction() as session:
            audit.append(
                session,
                actor=login,
                role=recorded_as,
                event_type=REFUSED,
                payload={
                    "action": "act-in-role",
                    "subject": {"role": role.value},
                    "reason": message,
                },
            )
    raise PermissionRefused(message)


def _change_sqlite_role(
    store: Store, audit: AuditLog, login: str, role: Role, *, grant: bool
) -> RoleChange:
    from leadreview.domain.roles import named_actor

    owner = database_owner(store)
    me = os_login()
    named_actor(login, role, "login")  # a login the log can seal, or a one-line error
    verb = "grant" if grant else "revoke"
    with store.transaction() as session:
        if me != owner:
            audit.append(
                session,
                actor=me,
                role=OWNER_ROLE,
                event_type=REFUSED,
                payload={
                    "action": f"db-{verb}",
                    "subject": {"login": login, "role": role.value},
                    "reason": f"{me!r} does not own the database (owned by {owner!r})",
                },
            )
    if me != owner:
        raise PermissionRefused(
            f"db {verb}: {me!r} does not own the database {store.url} (its owner is "
            f"{owner!r}); the owner grants roles"
        )
    with store.transaction() as session:
        held = session.execute(
            select(col(RoleGrantRow.id)).where(
                col(RoleGrantRow.login) == login, col(RoleGrantRow.role) == role.value
            )
        ).first()
        changed = (held is None) == grant
        if changed and grant:
            session.add(
                RoleGrantRow(login=login, role=role.value, granted_by=owner, granted_at=utc_now())
            )
        elif changed:
            session.execute(
                delete(RoleGrantRow).where(
                    col(RoleGrantRow.login) == login, col(RoleGrantRow.role) == role.value
                )
            )
        audit.append(
            session,
            actor=owner,
            role=OWNER_ROLE,
            event_type=GRANTED if grant else REVOKED,
            payload={"login": login, "role": role.value, "changed": changed},
        )
    return RoleChange(owner=owner, login=login, role=role, changed=changed)
