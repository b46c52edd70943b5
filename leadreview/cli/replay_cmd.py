"""`leadreview replay SCENARIO`: placeholder wired in when the simulation lands."""

import typer


def register(app: typer.Typer) -> None:
    pass
