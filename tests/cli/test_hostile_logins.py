"""The hostile participant, as real PostgreSQL logins through the real CLI: each of the
issue's "what a participant can do today" steps is refused with one line, a non-zero
exit and a refusal event naming the login that tried (never a name they chose)."""

from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from tests.support.cli import Result, run
from tests.support.postgres_logins import as_login, grant, isolate, libpq

pytestmark = pytest.mark.postgres


def _as(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, url: str,
        login: str, *args: str) -> Result:  # fmt: skip
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", as_login(url, login))
    return run(capsys, *args)


def _refusals(url: str) -> list[tuple[str, str, str, str]]:
    with psycopg.connect(libpq(url)) as connection:
        rows = connection.execute(
            "SELECT actor, login, role, payload FROM audit_event"
            " WHERE event_type = 'permission.refused' ORDER BY seq"
        ).fetchall()
    return [(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def test_a_hostile_participant_is_refused_on_every_path_as_their_own_login(
    postgres_url: str,
    make_login: Callable[[str], str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    isolate(monkeypatch, tmp_path)
    fran, gus, ana, ivy = (make_login(p) for p in ("fran", "gus", "ana", "ivy"))
    for login, role in ((fran, "facilitator"), (gus, "facilitator"), (ana, "reviewer"),
                        (ivy, "investigator")):  # fmt: skip
        grant(capsys, monkeypatch, postgres_url, login, role)

    def as_(login: str, *args: str) -> Result:
        return _as(capsys, monkeypatch, postgres_url, login, *args)

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
