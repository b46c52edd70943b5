"""The root typer app and the entry point that turns user errors into one line."""

import sys

import typer
from typer.exceptions import Abort, Exit, TyperException

from leadreview.errors import LeadreviewError, PermissionRefused, VerificationFailed

app = typer.Typer(
    name="leadreview",
    help=(
        "Simulate police face-search lead review under named policies, "
        "with a tamper-evident audit log. Synthetic identities only."
    ),
    no_args_is_help=False,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _assemble(ctx: typer.Context) -> None:
    """Put the composition root on the context: commands find it with `application()`.

    Nothing is opened here and only the compiled loops' switches are read (a few
    environment variables); the settings are read and the store opened the first time
    a command asks, and the store is closed when the command ends."""
    import os

    from leadreview import compiled_paths
    from leadreview.app.bootstrap import bootstrap
    from leadreview.cli import context

    # The compiled loops' switches are read here, above the root, and handed down.
    compiled_paths.choose(compiled_paths.from_environment(os.environ))
    application = bootstrap()
    ctx.obj = application
    context.enter(application)
    ctx.call_on_close(context.leave)


def _register_commands() -> None:
    # Each module defines its commands cheaply; heavy imports wait inside the commands.
    # Once per process: tests (and the fuzzing harness) call main() thousands of times.
    if app.registered_commands or app.registered_groups:
        return
    from leadreview.cli import (
        after_action_cmd,
        archive_cmd,
        audit_cmd,
        calibrate_cmd,
        case_cmd,
        compare_cmd,
        db_cmd,
        enforce_cmd,
        exercise_clock_cmd,
        exercise_cmd,
        import_cmd,
        policy_cmd,
        probe_cmd,
        rekognition_cmd,
        replay_cmd,
        report_cmd,
        scenario_cmd,
        serve_cmd,
        sweep_cmd,
        tui_cmd,
        witness_cmd,
    )

    for module in (
        tui_cmd,
        serve_cmd,
        replay_cmd,
        compare_cmd,
        sweep_cmd,
        report_cmd,
        calibrate_cmd,
        policy_cmd,
        audit_cmd,
        import_cmd,
        archive_cmd,
        db_cmd,
        scenario_cmd,
        exercise_cmd,
        after_action_cmd,
        exercise_clock_cmd,
        case_cmd,
        enforce_cmd,
        probe_cmd,
        rekognition_cmd,
        witness_cmd,
    ):
        module.register(app)


def fail(message: str, code: int = 2) -> None:
    """Print one line to stderr and exit: the only way a user error leaves the CLI."""
    print(f"leadreview: error: {message}", file=sys.stderr)
    raise SystemExit(code)


def _database_refusal(exc: BaseException) -> str | None:
    """The one line for a privilege PostgreSQL refused this login (docs/security.md)."""
    errors = sys.modules.get("sqlalchemy.exc")  # never imported just for this check
    if errors is None or not isinstance(exc, errors.DBAPIError):
        return None
    if getattr(exc.orig, "sqlstate", None) != "42501":  # insufficient_privilege
        return None
    lines = str(exc.orig).strip().splitlines()
    return f"the database refused: {lines[0] if lines else 'insufficient privilege'}"


def _undecodable_text(exc: BaseException) -> str | None:
    """The one line for text in the database SQLite's driver cannot decode."""
    if "sqlite3" not in sys.modules:  # never imported just for this check
        return None
    from leadreview.store.undecodable import undecodable_column, undecodable_line

    column = undecodable_column(exc)
    return None if column is None else undecodable_line(column)


def _os_error_line(exc: OSError) -> str:
    reason = exc.strerror or type(exc).__name__
    if exc.filename is None:
        return reason
    name = str(exc.filename)
    shown = name if len(name) <= 200 else f"{name[:100]}…{name[-40:]}"
    return f"{shown}: {reason}"


def main(argv: list[str] | None = None) -> None:
    _register_commands()
    command = typer.main.get_command(app)
    args = sys.argv[1:] if argv is None else argv
    # With no command (or only the app's options, e.g. --reviewer), open the review app:
    # that is what most people came for.
    if not args or (args[0].startswith("-") and args[0] not in ("--help", "-h")):
        args = ["tui", *args]
    try:
        result = command.main(args=args, prog_name="leadreview", standalone_mode=False)
    except LeadreviewError as exc:
        fail(exc.message, exc.exit_code)
    except TyperException as exc:
        context = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            # A command group given without a subcommand: show its help.
            typer.echo(context.get_help())
            raise SystemExit(0) from None
        fail(" ".join(exc.format_message().split()), exc.exit_code)
    except Abort:
        fail("aborted", 130)
    except Exit as exc:
        raise SystemExit(exc.exit_code) from None
    except BrokenPipeError:
        raise SystemExit(0) from None
    except OSError as exc:
        # A path the operating system refuses (a name too long, a permission, a full disk)
        # wherever it is first touched: the user's to fix, so one line naming it.
        fail(_os_error_line(exc))
    except Exception as exc:
        refusal = _database_refusal(exc)
        if refusal is not None:
            fail(refusal, PermissionRefused.exit_code)
        undecodable = _undecodable_text(exc)
        if undecodable is None:
            raise
        fail(undecodable, VerificationFailed.exit_code)
    if isinstance(result, int) and result != 0:
        raise SystemExit(result)
