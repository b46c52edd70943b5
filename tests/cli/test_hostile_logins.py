"""The hostile participant, as real PostgreSQL logins through the real CLI: each of the
issue's "what a participant can do today" steps is refused with one line, a non-zero
exit and a refusal event naming the login that tried (never a name they chose)."""

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.support.postgres_logins import GrantedLogins, as_login, cli, isolate, libpq

pytestmark = pytest.mark.postgres


def _refusals(url: str) -> list[tuple[str, str, str, str]]:
    with psycopg.connect(libpq(url)) as connection:
        rows = connection.execute(
            "SELECT actor, login, role, payload FROM audit_event"
            " WHERE event_type = 'permission.refused' ORDER BY seq"
        ).fetchall()
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def test_a_hostile_participant_is_refused_on_every_path_as_their_own_login(
    logins: GrantedLogins, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    fran, gus = logins.grant("facilitator", "fran"), logins.grant("facilitator", "gus")
    ana, ivy = logins.grant("reviewer", "ana"), logins.grant("investigator", "ivy")
    as_ = logins.run

    assert as_(fran, "exercise", "start", "two-reviewers").code == 0
    assert as_(ana, "exercise", "join", "--role", "reviewer").code == 0
    before = len(_refusals(postgres_url))

    # A reviewer claiming the facilitator's role: not granted, refused before acting.
    claimed = as_(ana, "tui", "--role", "facilitator")
    assert claimed.code == 3 and "does not hold the role 'facilitator'" in claimed.one_error_line()
    # Another facilitator running someone else's exercise.
    for args in (
        ("reveal", "--exercise", "1"),
        ("assign",),
        ("close", "--exercise", "1"),
        ("inject", "pressure"),
        ("invite", "mallory", "--role", "supervisor"),
    ):
        refused = as_(gus, "exercise", *args)
        assert refused.code == 3, (args, refused.err)
        assert f"facilitator {fran!r}" in refused.one_error_line()
    # An investigator choosing the policy in force.
    image = tmp_path / "still.png"
    assert as_(ivy, "probe", "render", "--probe", "3", "-o", str(image)).code == 0
    chosen = as_(ivy, "case", "open", "--image", str(image), "--offense", "theft",
                 "--in-force", "amazon-police-95")  # fmt: skip
    assert chosen.code == 3 and "may not change-policy" in chosen.one_error_line()
    # Ground truth before the reveal.
    truth = as_(ivy, "scenario", "show", "two-reviewers", "--reveal", "--role", "facilitator")
    assert truth.code == 3 and "mated" not in truth.out

    refusals = _refusals(postgres_url)[before:]
    # Each names the login that tried, stamped by PostgreSQL itself.
    assert [(actor == login) for actor, login, _, _ in refusals] == [True] * len(refusals)
    assert [actor for actor, _, _, _ in refusals] == [ana] + [gus] * 5 + [ivy, ivy]
    assert '"role":"facilitator"' in refusals[0][3] and refusals[0][2] == "reviewer"
    with psycopg.connect(libpq(postgres_url)) as connection:
        revealed = connection.execute(
            "SELECT count(*) FROM audit_event WHERE event_type = 'exercise.revealed'"
        ).fetchone()
    assert revealed == (0,)


def test_another_facilitator_cannot_answer_someone_else_s_hot_wash(
    logins: GrantedLogins, postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolate(monkeypatch, tmp_path)
    fran, gus = logins.grant("facilitator", "fran"), logins.grant("facilitator", "gus")
    ana = logins.grant("reviewer", "ana")
    as_ = logins.run

    assert as_(fran, "exercise", "start", "two-reviewers").code == 0
    assert as_(ana, "exercise", "join", "--role", "reviewer").code == 0
    assert as_(fran, "exercise", "reveal", "--exercise", "1").code == 0
    before = len(_refusals(postgres_url))

    # The hot wash goes into fran's after-action report: gus is no one there.
    answer = ("exercise", "hotwash", "--exercise", "1", "--question", "1", "--role")
    refused = as_(gus, *answer, "facilitator", "--answer", "nobody checked the ears")
    assert refused.code == 3, refused.err
    assert f"facilitator {fran!r}" in refused.one_error_line()
    assert as_(fran, *answer, "facilitator", "--answer", "we checked the ears").code == 0
    assert as_(ana, *answer, "reviewer", "--answer", "rank 1 pulled me").code == 0

    refusals = _refusals(postgres_url)[before:]
    assert [(actor, login) for actor, login, _, _ in refusals] == [(gus, gus)]
    assert '"action":"exercise-hotwash"' in refusals[0][3]
    with psycopg.connect(libpq(postgres_url)) as connection:
        answered = connection.execute(
            "SELECT actor FROM audit_event WHERE event_type = 'exercise.hotwash_answered'"
            " ORDER BY seq"
        ).fetchall()
    assert [str(a) for (a,) in answered] == [fran, ana]


def test_a_login_with_no_role_is_told_who_grants_one(
    postgres_url: str,
    make_login: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    isolate(monkeypatch, tmp_path)
    assert cli(capsys, monkeypatch, as_login(postgres_url, "postgres"), "db", "upgrade").code == 0
    eve = make_login("eve")
    # As in a `public` schema, which every login may use: eve can see the tables, and
    # PostgreSQL refuses her every one of them until the owner grants her a role.
    with psycopg.connect(libpq(postgres_url), autocommit=True) as connection:
        schema = connection.execute("SELECT current_schema()").fetchone()
        assert schema is not None
        connection.execute(f'GRANT USAGE ON SCHEMA "{schema[0]}" TO "{eve}"')
    for args in (("audit", "show"), ("exercise", "status"), ("case", "list")):
        refused = cli(capsys, monkeypatch, as_login(postgres_url, eve), *args)
        assert refused.code == 3, (args, refused.err)
        line = refused.one_error_line()
        assert f"login {eve!r} holds no leadreview role" in line, line
        assert f"leadreview db grant {eve} ROLE" in line, line
