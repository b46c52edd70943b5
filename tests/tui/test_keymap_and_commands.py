"""The user keymap (config table and keymap file), the command palette, and the CLI's app."""

from pathlib import Path

import pytest

from leadreview.errors import ConfigurationError
from leadreview.tui.app import known_binding_ids
from leadreview.tui.factory import Session
from leadreview.tui.keymap import load_keymap
from leadreview.tui.screens.audit import AuditScreen
from leadreview.tui.screens.case_review import CaseReviewScreen
from leadreview.tui.screens.error import ErrorScreen
from tests.tui.conftest import SIZE, make_app, settle, sync


def test_keymap_file_overrides_the_config_table(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"lead.decide" = "x"\n"app.audit" = "A"\n')
    keymap_file = tmp_path / "keymap.toml"
    keymap_file.write_text('"lead.decide" = "z,f2"\n')
    keymap = load_keymap(known_binding_ids(), config, keymap_file)
    assert keymap == {"lead.decide": "z,f2", "app.audit": "A"}


def test_an_unknown_binding_id_is_one_line_naming_file_and_id(tmp_path: Path) -> None:
    keymap_file = tmp_path / "keymap.toml"
    keymap_file.write_text('"lead.decid" = "x"\n')
    with pytest.raises(ConfigurationError, match=r"keymap.toml: unknown binding id 'lead.decid'"):
        load_keymap(known_binding_ids(), tmp_path / "absent.toml", keymap_file)


def test_every_binding_has_an_id_and_a_tooltip_or_description() -> None:
    ids = known_binding_ids()
    assert {"lead.decide", "table.down", "app.help", "audit.verify", "decision.submit"} <= ids


@sync
async def test_command_palette_goes_to_a_case_and_verifies(demo: Session) -> None:
    app = make_app(demo.gateway)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"case #2")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseReviewScreen)
        assert app.screen.case_id == 2

        await pilot.press("ctrl+p", *"verify audit", "enter")
        await settle(app, pilot)
        assert any("verified" in n.message for n in app._notifications)


@sync
async def test_an_unreachable_database_opens_the_error_modal(isolated_home: Path) -> None:
    from leadreview.cli.tui_cmd import build_app
    from leadreview.domain.roles import Role

    app = build_app(role=Role.SUPERVISOR, database="mysql://nowhere/db")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, ErrorScreen)
        message = str(app.screen.query_one("#error-message").render())
        assert "mysql" in message and "not supported" in message


@sync
async def test_the_cli_app_reviews_the_demo(isolated_home: Path, tmp_path: Path) -> None:
    from leadreview.cli.tui_cmd import build_app
    from leadreview.domain.roles import Role

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    app = build_app(role=Role.SUPERVISOR, database=url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        # The demo's exercise is started and joined; its cases are open to every
        # participant, so a lone user has the demo's three cases to review.
        title = str(app.screen.query_one("#queue-title").render())
        assert "your cases in exercise #1" in title and "3 case(s)" in title
        assert "Blurry CCTV" in str(app.screen.query_one("#exercise-panel").render())
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AuditScreen)
        assert str(app.screen.query_one("#verify-status").render()).startswith("✔ verified")
