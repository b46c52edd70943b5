"""`leadreview probe render`: a probe image from a batch scenario's world, to open a case with.

The image shows the probe's rendered synthetic face, degraded by its capture quality, and
carries its face descriptor in the file's metadata: what the simulated Rekognition
"detects". Whether the probe is mated is ground truth, printed only with --reveal.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leadreview.cli.bounds import MAX_PROBES
from leadreview.cli.options import DEFAULT_SCENARIO, ScenarioOption, SeedOption
from leadreview.cli.output_paths import output_file

if TYPE_CHECKING:
    pass

probe_app = typer.Typer(
    help="Probe images from a scenario's synthetic world.", no_args_is_help=True
)

# Large enough to look at and well above Rekognition's 80 px floor on each side.
PROBE_PICTURE_SIZE = 160
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}


@probe_app.command("render")
def render(
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="the image to write (.png, .jpg), in a folder that exists",
            callback=output_file(),
        ),
    ],
    probe: Annotated[
        int, typer.Option("--probe", min=0, max=MAX_PROBES - 1, help="the probe's index, from 0")
    ] = 0,
    scenario: ScenarioOption = DEFAULT_SCENARIO,
    seed: SeedOption = None,
    reveal: Annotated[
        bool,
        typer.Option("--reveal", help="also print the ground truth (the facilitator's; recorded)"),
    ] = False,
    role: Annotated[
        str, typer.Option("--role", help="the role you act in (--reveal: facilitator)")
    ] = "investigator",
) -> None:
    """Write one probe image (face descriptor in its metadata) for `case open`."""
    from leadreview.errors import InputFileError
    from leadreview.runs.scenarios import scenario_world
    from leadreview.search.probe_image import encode_probe_image
    from leadreview.simulation.face_renderer import render_face

    fmt = _FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise InputFileError(f"{output}: name a .png or .jpg file (Rekognition reads no other)")
    world = scenario_world(scenario, seed)
    count = len(world.probes)
    if probe >= count:
        raise InputFileError(
            f"--probe {probe}: scenario {world.scenario.name} has probes 0 to {count - 1}"
        )
    shown = world.probes[probe]
    if reveal:  # refused (and recorded) before anything is written
        from leadreview.cli.sealed_truth import open_truth_for

        subject = {"scenario": world.scenario.name, "seed": world.seed, "probe": shown.probe_id}
        open_truth_for(role, subject)
    embedding = world.probe_embeddings[probe]
    pixels = render_face(embedding, shown.quality, PROBE_PICTURE_SIZE)
    data = encode_probe_image(embedding, pixels, "PNG" if fmt == "PNG" else "JPEG")
    from leadreview.io.atomic import write_atomically

    write_atomically(output, data)
    typer.echo(
        f"wrote {output}: probe {shown.probe_id} ({shown.quality.value}, {shown.source}), "
        f"scenario {world.scenario.name} seed {world.seed}"
    )
    typer.echo(
        f"open a case: leadreview case open --image {output} --quality {shown.quality.value} "
        f"--scenario {world.scenario.name} --offense TEXT"
        + (f" --seed {world.seed}" if seed is not None else "")
    )
    if reveal:
        truth = world.truth.for_probe(shown.probe_id)
        typer.echo(
            f"ground truth: mated, the mate is gallery face {truth.mate_face_id}"
            if truth.mated
            else "ground truth: not mated, the subject is not in the gallery"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(probe_app, name="probe")
