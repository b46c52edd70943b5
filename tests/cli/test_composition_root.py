"""The composition root (`leadreview.app`): settings read once per command, nothing below
it reading settings or the environment, and one answer to "who is acting" — checked on
the real CLI, on SQLite and on PostgreSQL (with a login of the test's own)."""

import ast
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from leadreview.app import bootstrap
from leadreview.app.bootstrap import Application
from leadreview.app.identity import resolve_principal
from leadreview.audit.log import os_login
from leadreview.domain.roles import Role
from leadreview.errors import InputFileError, PermissionRefused
from leadreview.settings import Settings
from tests.support.cli import events, run

PACKAGE = Path(__file__).resolve().parents[2] / "leadreview"
# The composition root and the UI above it may read settings and the environment.
ABOVE_THE_ROOT = ("app", "cli", "tui")


def below_the_root() -> Iterator[Path]:
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in ABOVE_THE_ROOT or relative == Path("settings.py"):
            continue
        yield path


def reads_settings_or_environment(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Name) and node.id == "load_settings":
            found.append(f"{path}:{node.lineno}: load_settings")
        if isinstance(node, ast.ImportFrom) and "load_settings" in {a.name for a in node.names}:
            found.append(f"{path}:{node.lineno}: imports load_settings")
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv"):
            found.append(f"{path}:{node.lineno}: os.{node.attr}")
    return found


def test_nothing_below_the_composition_root_reads_settings_or_the_environment() -> None:
    scanned = list(below_the_root())
    # A wrong PACKAGE once made this scan nothing and pass: it must see the layers.
    assert {p.relative_to(PACKAGE).parts[0] for p in scanned} >= {"search", "audit", "workflow"}
    offenders = [hit for path in scanned for hit in reads_settings_or_environment(path)]
    assert offenders == []


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text(
        "import os\nfrom leadreview.settings import load_settings\n"
        "url = os.environ['X']\ns = load_settings()\n",
        encoding="utf-8",
    )
    assert len(reads_settings_or_environment(sneaky)) == 3


def test_a_command_reads_the_settings_once(
    cli_env: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reads: list[Settings] = []

    def counting(**overrides: object) -> Settings:
        reads.append(Settings(**overrides))  # type: ignore[arg-type]
        return reads[-1]

    monkeypatch.setattr(bootstrap, "load_settings", counting)
    # `audit export` needs the settings three ways: signing key, checkpoints, database.
    result = run(capsys, "audit", "export", "--output", str(tmp_path / "export"))
    assert result.code == 0, result.err
    assert len(reads) == 1


def test_a_command_that_needs_no_settings_survives_a_broken_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "config.toml"
    broken.write_text("this is = = not toml\n", encoding="utf-8")
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(broken))
    assert run(capsys, "policy", "list").code == 0
    # ...while one that needs them names the file in one line.
    assert str(broken) in run(capsys, "case", "list").one_error_line()


def test_the_principal_is_the_os_user_and_no_option_or_setting_names_another(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    own = resolve_principal(Role.REVIEWER)
    assert (own.name, own.authenticated_by) == (os_login(), "os-user")
    assert own.actor.name == own.name and own.actor.role is Role.REVIEWER
    # The options that used to name someone are gone, and so is the setting.
    for args in (
        ("case", "list", "--actor", "ann"),
        ("audit", "show", "--as", "ann", "--role", "auditor"),
        ("exercise", "status", "--as", "ann"),
        ("exercise", "join", "--name", "ann"),
        ("tui", "--reviewer", "ann"),
        ("serve", "--reviewer", "ann"),
    ):
        line = run(capsys, *args).one_error_line()
        assert "No such option" in line, (args, line)
    config = tmp_path / "config.toml"
    config.write_text('actor = "ann"\n', encoding="utf-8")
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(config))
    assert "actor" in run(capsys, "case", "list").one_error_line()


def test_sqlite_never_asks_for_a_database_login() -> None:
    def no_connection() -> str:
        raise AssertionError("SQLite has no logins to ask")

    assert resolve_principal(Role.REVIEWER, session_user=no_connection).authenticated_by == (
        "os-user"
    )


def test_a_login_the_log_cannot_seal_is_one_error_naming_where_it_came_from() -> None:
    with pytest.raises(InputFileError, match=r"^PostgreSQL session_user 'a\"b': "):
        resolve_principal(Role.REVIEWER, dialect="postgresql", session_user=lambda: 'a"b')


@pytest.mark.parametrize("login", ["demo facilitator", "Demo  Facilitator", "exercise-3-clock"])
def test_no_principal_acts_under_a_name_the_system_acts_under(login: str) -> None:
    # The demo's facilitator and an exercise's clock hold exceptions a person must not
    # inherit by choosing their login's name (docs/security.md, system principals).
    with pytest.raises(PermissionRefused, match="reserved for the system"):
        resolve_principal(Role.FACILITATOR, dialect="postgresql", session_user=lambda: login)


@pytest.fixture
def own_login(postgres_url: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL login of this test's own, allowed to work in the test's schema; the
    URL that connects as it, and its name. Dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from leadreview.store.store import open_store

    open_store(postgres_url).dispose()  # the schema, made by the owner
    url = make_url(postgres_url)
    schema = str(url.query["options"]).split("=", 1)[1]
    name = f"login_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{name}" LOGIN'))
        for grant in (
            # The roles it acts in here, as `leadreview db grant` would give them.
            f'GRANT leadreview_reviewer, leadreview_investigator TO "{name}"',
            f'GRANT USAGE ON SCHEMA "{schema}" TO "{name}"',
            f'GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA "{schema}" TO "{name}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{name}"',
        ):
            connection.execute(text(grant))
    try:
        yield url.set(username=name).render_as_string(hide_password=False), name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP OWNED BY "{name}"'))
            connection.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_the_principal_is_the_database_login(
    own_login: tuple[str, str], tmp_path: Path
) -> None:
    url, name = own_login
    application = Application(Settings(data_dir=tmp_path, database_url=url), database_url=url)
    try:
        principal = application.principal(Role.REVIEWER)
    finally:
        application.close()
    assert (principal.name, principal.authenticated_by) == (name, "postgres-login")


@pytest.mark.postgres
def test_on_postgresql_the_log_records_the_login_that_opened_the_case(
    own_login: tuple[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, name = own_login
    monkeypatch.setenv("LEADREVIEW_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("LEADREVIEW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LEADREVIEW_DATABASE_URL", url)
    image = tmp_path / "still.png"
    assert run(capsys, "probe", "render", "--probe", "3", "--output", str(image)).code == 0
    opened = run(capsys, "case", "open", "--image", str(image), "--offense", "theft")
    assert opened.code == 0, opened.err
    from leadreview.store.store import open_store

    store = open_store(url)
    try:
        (event,) = events(store, "case.opened")
    finally:
        store.dispose()
    assert event.actor == name


def test_the_terminal_app_is_built_before_the_store_loads(tmp_path: Path) -> None:
    # The gateway opens its parts in the first worker: building the app (what happens
    # before the first paint) loads neither SQLAlchemy nor numpy, and opens nothing.
    import os
    import subprocess
    import sys

    database = tmp_path / "never-opened.db"
    code = (
        "import sys\n"
        "from leadreview.cli.tui_cmd import build_app\n"
        "from leadreview.domain.roles import Role\n"
        f"build_app(role=Role.REVIEWER, database='sqlite:///{database}')\n"
        "print([m for m in ('sqlalchemy', 'numpy') if m in sys.modules])\n"
    )
    env = {
        **os.environ,
        "LEADREVIEW_CONFIG": str(tmp_path / "absent.toml"),
        "LEADREVIEW_DATA_DIR": str(tmp_path / "data"),
        "LEADREVIEW_KEYMAP_FILE": str(tmp_path / "absent-keymap.toml"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert not database.exists()
