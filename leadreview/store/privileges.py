"""Least privilege on PostgreSQL: what the application's logins may do, applied by the
owner after every migration and by `leadreview db grant`.

The owner (who runs the migrations) owns every table; people use the application through
their own logins, each granted one or more `leadreview_<role>` roles (one per `Role`),
all members of `leadreview_app`. That role may read every table of the schema, add rows,
and change only the columns a service changes — never delete, truncate, alter a table or
disable a trigger (those need ownership). The audit table's own trigger stamps the login
and refuses an event in a role the login was not granted (migration 0004).
"""

from collections.abc import Iterable

from sqlalchemy import Connection

from leadreview.domain.roles import Role

APP_ROLE = "leadreview_app"
ROLE_PREFIX = "leadreview_"
# Columns a service updates in place; every other column of every table is write-once.
# A new table whose rows change must list its columns here, or the application's logins
# will be refused when they try.
UPDATABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    # SELECT … FOR UPDATE (the appenders' lock) needs UPDATE on some column.
    "audit_head": ("id",),
    "lead": ("status", "version"),
    "batch_run": ("search_count", "lead_count"),
    "exercise": ("status", "revealed_at", "closed_at"),
    "exercise_inject": ("released_at", "released_by"),
}
# Tables the application reads but never writes.
READ_ONLY_TABLES = frozenset({"alembic_version", "audit_log_identity"})


def role_name(role: Role) -> str:
    return f"{ROLE_PREFIX}{role.value}"


def _literal(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _create_roles_sql(roles: Iterable[str]) -> str:
    # Roles are cluster-wide; another schema's migration may be creating them right now.
    blocks = []
    for name in roles:
        blocks.append(
            f"""
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(name)}) THEN
        IF may_create THEN
          BEGIN
            EXECUTE format('CREATE ROLE %I NOLOGIN', {_literal(name)});
          EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
          END;
        ELSE
          RAISE NOTICE 'leadreview: cannot create role %; see docs/security.md', {_literal(name)};
        END IF;
      END IF;"""
        )
    return "".join(blocks)


def _membership_sql(role: str) -> str:
    return f"""
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(role)})
         AND NOT pg_has_role({_literal(role)}, {_literal(APP_ROLE)}, 'MEMBER') THEN
        BEGIN
          EXECUTE format('GRANT %I TO %I', {_literal(APP_ROLE)}, {_literal(role)});
        EXCEPTION WHEN OTHERS THEN NULL;  -- granted meanwhile by a concurrent migration
        END;
      END IF;"""


def apply_app_privileges(connection: Connection) -> None:
    """(Re)grant the application's privileges on every table of the current schema.

    Idempotent; run as the owner, in the migration's transaction."""
    role_names = [role_name(role) for role in Role]
    updates = "".join(
        f"""
        IF to_regclass({_literal(table)}) IS NOT NULL THEN
          EXECUTE format('GRANT UPDATE ({", ".join(columns)}) ON %I TO %I',
                         {_literal(table)}, {_literal(APP_ROLE)});
        END IF;"""
        for table, columns in UPDATABLE_COLUMNS.items()
    )
    read_only = ", ".join(_literal(t) for t in sorted(READ_ONLY_TABLES))
    statement = f"""DO $$
    DECLARE
      may_create boolean := EXISTS (SELECT 1 FROM pg_roles WHERE rolname = current_user
                                    AND (rolsuper OR rolcreaterole));
      t record;
    BEGIN
      {_create_roles_sql([APP_ROLE, *role_names])}
      {"".join(_membership_sql(name) for name in role_names)}
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {_literal(APP_ROLE)}) THEN
        EXECUTE format('GRANT USAGE ON SCHEMA %I TO %I', current_schema(), {_literal(APP_ROLE)});
        FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() LOOP
          EXECUTE format('REVOKE ALL ON %I FROM %I', t.tablename, {_literal(APP_ROLE)});
          EXECUTE format('GRANT SELECT ON %I TO %I', t.tablename, {_literal(APP_ROLE)});
          IF t.tablename NOT IN ({read_only}) THEN
            EXECUTE format('GRANT INSERT ON %I TO %I', t.tablename, {_literal(APP_ROLE)});
          END IF;
        END LOOP;
        EXECUTE format('GRANT USAGE ON ALL SEQUENCES IN SCHEMA %I TO %I',
                       current_schema(), {_literal(APP_ROLE)});
        {updates}
      END IF;
    END $$"""
    # psycopg parses %-placeholders even with no parameters; plpgsql needs a bare %.
    connection.exec_driver_sql(statement.replace("%", "%%"))
