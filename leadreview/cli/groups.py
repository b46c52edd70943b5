"""The command groups that more than one command module adds commands to.

`case` (opened in `case_cmd`, `case enforce` in `enforce_cmd`), `exercise` (`exercise_cmd`,
the clock in `exercise_clock_cmd`, the after-action work in `after_action_cmd`) and
`audit` (`audit_cmd`, `archive_cmd`, `import_cmd`). Kept here so that no command module
imports another (an import-linter contract holds that).
"""

import typer

case_app = typer.Typer(
    help="Open cases against a face-search backend; list and show them.", no_args_is_help=True
)
exercise_app = typer.Typer(help="Run a tabletop exercise.", no_args_is_help=True)
audit_app = typer.Typer(
    help="Verify, checkpoint, export and browse the audit log.", no_args_is_help=True
)
