"""Write a score model as the YAML file `leadreview calibrate` produces, comments and all."""

from leadreview.simulation.score_model import ScoreModel

_HEADER = """\
# The score model of leadreview's simulated search. Written by `leadreview calibrate`
# (fit to fixtures/calibration/targets.yaml); edit the priors and re-run it rather than
# editing fitted values by hand. Every figure it is fitted to is cited in targets.yaml:
# the ACLU of Northern California's test (July 2018), Amazon's answers (July 2018), the
# Washington County Sheriff's Office's account (Gizmodo, 2019) and NISTIR 8280 (2019),
# as summarised in the project's FACTS.md.
#
# An identity's embedding (a unit vector of `dims`) is
#   sqrt(rho_group) * g_group + sqrt(rho_sex) * s_sex + sqrt(1 - rho_group - rho_sex) * z
# with g and s mutually orthogonal directions and z uniform on the unit sphere of the
# remaining dims - groups - 2 dimensions. Strangers of one group and sex thus share
# rho_group + rho_sex of their cosine: a tighter group has more high-scoring impostors,
# which is how the model expresses the demographic differentials reported by the ACLU
# (2018) and by NIST (NISTIR 8280, 2019). Capture noise blurs only z (a poor image keeps
# a person's demographic appearance and loses what tells them apart), by a per-probe
# scale median * exp(spread * N(0, 1)). Similarity = 100 / (1 + exp(-(cosine - c0) / w)).
"""


def _num(value: float) -> str:
    return f"{value:.6g}"


def render_score_model(model: ScoreModel, reference_group: str) -> str:
    lines = [_HEADER]
    lines.append("# Prior: embedding width, as in common face-descriptor networks.")
    lines.append(f"dims: {model.dims}")
    lines.append("")
    lines.append(
        f"# Group tightness rho. Prior: {reference_group}'s value and the pattern of the "
        "others above it\n# (tighter for the groups NISTIR 8280 found most falsely matched); "
        "fitted: the scale\n# of that pattern, to the ACLU's share of people of color."
    )
    lines.append("groups:")
    lines.extend(f"  {label}: {_num(rho)}" for label, rho in model.groups.items())
    lines.append("")
    lines.append(
        "# Sex tightness. Prior: men's; fitted: women's, to NISTIR 8280's women-to-men\n"
        "# false-positive factor at its operating point."
    )
    lines.append("sex:")
    lines.extend(f"  {sex.value}: {_num(rho)}" for sex, rho in model.sex.items())
    lines.append("")
    lines.append(
        "# Prior: the noise of a gallery booking photo (good light, frontal, cooperative)."
    )
    lines.append(f"booking_noise: {_num(model.booking_noise)}")
    lines.append("")
    lines.append(
        "# Capture noise of probes. Prior: the spreads; fitted: the medians, to the median\n"
        "# mate similarity of each quality (CCTV: the WCSO's correct 96.03 lead)."
    )
    lines.append("capture_noise:")
    for quality, noise in model.capture_noise.items():
        lines.append(
            f"  {quality.value}: {{median: {_num(noise.median)}, spread: {_num(noise.spread)}}}"
        )
    lines.append("")
    lines.append(
        "# Fitted: c0 and w put threshold 80 where the ACLU's 28 false matches fall, and 99\n"
        "# where false matches are rare even in a gallery of a million."
    )
    lines.append("similarity:")
    lines.append(f"  c0: {_num(model.similarity.c0)}")
    lines.append(f"  w: {_num(model.similarity.w)}")
    return "\n".join(lines) + "\n"
