"""Ranges for command-line values, stated in `--help` and checked by click.

An audit sequence number is a 64-bit signed integer in both databases (SQLite INTEGER,
PostgreSQL BIGINT). A row id (a case, a lead, an exercise, an invite) is PostgreSQL's
32-bit INTEGER (SQLite's is 64-bit, but the bound is the narrower): a larger one could
never match a row, and PostgreSQL refuses to compare it with the column ("integer out
of range"), so it is refused as a usage error before any query. A seed is bounded so
that `seed + seeds` stays a valid scenario seed (below 2**63).
"""

DB_INT_MAX = 2**63 - 1
ROW_ID_MAX = 2**31 - 1
SEEDS_MAX = 1_000
SEED_MAX = 2**63 - 1 - SEEDS_MAX
# A row limit: anything larger than the biggest sequence number means "all".
ROWS_MAX = DB_INT_MAX
# The scenario model's bounds (simulation/scenario.py; a test holds them equal), repeated
# here so that the CLI states them in --help without importing numpy at start-up.
MAX_GALLERY = 100_000_000
MAX_PROBES = 1_000_000
# Rekognition's MaxFaces.
MAX_FACES = 4096
# A served session's idle timeout, in seconds (settings.py's bounds, held equal by a test).
MIN_IDLE_SECONDS = 5
MAX_IDLE_SECONDS = 86_400


def person_name(value: str) -> str:
    """A typer callback: a person's name or login, refused in one line (exit 2) before
    any work if the audit log could not record it as a name."""
    import typer

    from leadreview.domain.roles import name_problem

    problem = name_problem(value)
    if problem is not None:
        shown = value if len(value) <= 40 else f"{value[:40]}…"
        raise typer.BadParameter(f"{shown!r}: {problem}")
    return value
