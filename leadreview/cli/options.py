"""Option types that several commands take, written once so that they cannot drift apart
(`compare`, `sweep` and `report`; `case`, `probe` and `rekognition`; every `exercise`
command; `tui` and `serve`)."""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from leadreview.cli.bounds import (
    MAX_FACES,
    MAX_GALLERY,
    MAX_PROBES,
    ROW_ID_MAX,
    SEED_MAX,
    SEEDS_MAX,
)
from leadreview.cli.output_paths import output_file

# --- a scenario's world: `probe render`, `case open`, `rekognition serve` -----------------

DEFAULT_SCENARIO = "wcso-cctv"

ScenarioOption = Annotated[
    str,
    typer.Option("--scenario", help="a bundled batch scenario name (e.g. wcso-cctv) or a file"),
]
SeedOption = Annotated[
    int | None, typer.Option(min=0, max=SEED_MAX, help="override the scenario's seed")
]

# --- the policies a case is judged under: `case open`, `rekognition serve` ----------------

PolicyOption = Annotated[
    list[str] | None,
    typer.Option("--policy", help="a policy name or file (repeatable); default: all bundled"),
]
InForceOption = Annotated[
    str | None,
    typer.Option("--in-force", help="the policy in force; default: wcso-practice, else first"),
]

# --- the exercise a command acts on: every `exercise` command -----------------------------

ExerciseOption = Annotated[
    int | None,
    typer.Option(
        "--exercise", help="exercise id (default: the newest running)", min=1, max=ROW_ID_MAX
    ),
]

# --- batch runs: `compare`, `sweep`, `report compare|sweep` -------------------------------


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


ScenarioOpt = Annotated[
    str, typer.Option("--scenario", help="a bundled scenario's name or a scenario file")
]
SeedOpt = Annotated[
    int | None,
    typer.Option("--seed", help="first seed (default: the scenario's)", min=0, max=SEED_MAX),
]
SeedsOpt = Annotated[
    int,
    typer.Option(
        "--seeds", help="how many seeds (worlds) to run: seed, seed+1, …", min=1, max=SEEDS_MAX
    ),
]
GalleryOpt = Annotated[
    int | None,
    typer.Option("--gallery-size", help="override the gallery size", min=1, max=MAX_GALLERY),
]
ProbesOpt = Annotated[
    int | None, typer.Option("--probes", help="override the probe count", min=1, max=MAX_PROBES)
]
GallerySeedOpt = Annotated[
    int | None,
    typer.Option(
        "--gallery-seed",
        help="one gallery for every seed, the gallery of this seed: generated once and "
        "memory-mapped by the worker processes; only the probes vary with --seed",
        min=0,
        max=SEED_MAX,
    ),
]
ClusterOpt = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="run the seeds on this Dask distributed scheduler (tcp://HOST:PORT; install "
        "leadreview[cluster] here and on the workers) instead of this machine's cores",
    ),
]
PolicyOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--policy", help="a policy name or file (repeatable; default: the scenario's policies)"
    ),
]
ProfileOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--reviewer-profile",
        help="a reviewer profile name or file (repeatable; default: every bundled profile)",
    ),
]
FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="table, json or csv")]
OutputOpt = Annotated[
    Path | None,
    typer.Option(
        "--output",
        "-o",
        help="write to this file instead of stdout (in a folder that exists)",
        callback=output_file(),
    ),
]
StepOpt = Annotated[
    float, typer.Option("--step", help="distance between thresholds", min=0.01, max=50.0)
]
MaxCandidatesOpt = Annotated[
    int | None,
    # Rekognition's MaxFaces allows 1–4096; anything else is a typo, not a candidate list.
    typer.Option(
        "--max-candidates",
        help="count only the top N leads, 1–4096 (default: all returned)",
        min=1,
        max=MAX_FACES,
    ),
]
ReferenceOpt = Annotated[
    str,
    typer.Option(
        "--reference-group",
        help="compare each group with: 'largest' (the group with most searches), "
        "'overall' (all searches) or a group's name",
    ),
]
MinGroupOpt = Annotated[
    int,
    typer.Option(
        "--min-group-size",
        help="groups with fewer searches (over all seeds) get no ratio, only a flag",
        min=1,
        max=1_000_000,
    ),
]
ParityBandOpt = Annotated[
    bool,
    typer.Option(
        "--parity-band",
        help="highlight a ratio only where its interval lies outside 0.8–1.25 (Aequitas)",
    ),
]

# --- the review app: `tui`, `serve` ---------------------------------------------------------

DatabaseOption = Annotated[
    str | None,
    typer.Option("--database", help="SQLAlchemy URL (default: SQLite in the data directory)"),
]
DemoOption = Annotated[
    bool, typer.Option("--demo/--no-demo", help="use the bundled demo world and its cases")
]
