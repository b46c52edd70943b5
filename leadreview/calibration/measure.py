"""How a score model meets the calibration targets: one `Figure` per target, plus context."""

from dataclasses import dataclass

import numpy as np

from leadreview.calibration.analytic import (
    differentials,
    expected_false_match_probes,
    operating_cosine,
)
from leadreview.calibration.monte_carlo import (
    StepProgress,
    false_match_runs,
    large_gallery_best_impostors,
    mate_similarities,
)
from leadreview.calibration.targets import Band, Targets
from leadreview.domain.probe import CaptureQuality
from leadreview.simulation.scenario import Scenario
from leadreview.simulation.score_model import ScoreModel


@dataclass(frozen=True)
class Figure:
    name: str
    source: str
    target: str
    achieved: float
    shown: str
    met: bool | None
    """None: reported for context, not a target."""


def _figure(name: str, source: str, band: Band, value: float, fmt: str = "{:.3g}") -> Figure:
    return Figure(name, source, band.describe(), value, fmt.format(value), band.met(value))


def _context(name: str, source: str, value: float, shown: str) -> Figure:
    return Figure(name, source, "", value, shown, None)


def measure(
    model: ScoreModel,
    targets: Targets,
    aclu: Scenario,
    genuine: Scenario,
    *,
    large_gallery: bool = True,
    progress: StepProgress | None = None,
) -> list[Figure]:
    """Every calibration figure: analytic expectations and Monte Carlo over the seeds."""
    ref = targets.aclu.reference_group
    sim = model.similarity
    figures: list[Figure] = []

    low, high = targets.aclu.threshold, 95.0
    runs = false_match_runs(
        model,
        aclu,
        seeds=targets.seeds,
        thresholds=(low, high),
        reference_group=ref,
        progress=progress,
    )
    counts = np.array([r.at_low for r in runs], dtype=np.float64)
    shares = np.array([r.at_low_outside_reference / r.at_low if r.at_low else 0.0 for r in runs])
    at_high = float(sum(r.at_high for r in runs))
    expected = expected_false_match_probes(model, aclu, sim.cosine_at(low), ref)
    n = len(runs)
    figures += [
        _figure(
            f"ACLU: probes with a false match at {low:g} (mean of {n} seeds)",
            "ACLU 2018",
            targets.aclu.probes_with_false_match,
            float(counts.mean()),
            "{:.1f}",
        ),
        _figure(
            f"ACLU: people of color among them (mean of {n} seeds)",
            "ACLU 2018",
            targets.aclu.people_of_color_share,
            float(shares.mean()),
            "{:.1%}",
        ),
        _context(
            "ACLU: expected count and share (exact)",
            "score model",
            expected.probes,
            f"{expected.probes:.1f}, {expected.share_outside_reference:.1%}",
        ),
        _figure(
            f"ACLU: probes with a false match at 95 over those at {low:g}",
            "Amazon 2018",
            targets.tail.ratio_95_to_80,
            at_high / max(float(counts.sum()), 1.0),
            "{:.3f}",
        ),
    ]

    tail = targets.tail
    x_tail = sim.cosine_at(tail.threshold)
    exact_tail = expected_false_match_probes(model, aclu, x_tail, ref, tail.gallery_size)
    figures.append(
        _figure(
            f"Tail: probes with a false match at {tail.threshold:g}, "
            f"gallery {tail.gallery_size:,} (exact)",
            "Amazon 2018",
            tail.fraction_of_probes,
            exact_tail.probes / aclu.probes.count,
            "{:.2%}",
        )
    )
    if large_gallery:
        best = large_gallery_best_impostors(
            model,
            aclu,
            gallery_size=tail.gallery_size,
            probe_count=tail.monte_carlo_probes,
            seed=targets.seeds[0],
            progress=progress,
        )
        figures.append(
            _figure(
                f"Tail: same, Monte Carlo ({tail.monte_carlo_probes} probes)",
                "Amazon 2018",
                tail.fraction_of_probes,
                float((best >= tail.threshold).mean()),
                "{:.2%}",
            )
        )
        figures.append(
            _context(
                "Tail: highest impostor similarity seen there",
                "score model",
                float(best.max()),
                f"{best.max():.2f}",
            )
        )

    qualities = list(CaptureQuality)
    mates = mate_similarities(
        model, genuine, qualities=qualities, seeds=targets.seeds, progress=progress
    )
    for quality in qualities:
        band = targets.genuine.median_similarity.get(quality)
        median = float(np.median(mates[quality]))
        name = f"Mates: median similarity, {quality.value} probes"
        source = "WCSO 96.03" if quality is CaptureQuality.CCTV else "FACTS.md"
        if band is None:
            figures.append(_context(name, source, median, f"{median:.2f}"))
        else:
            figures.append(_figure(name, source, band, median, "{:.2f}"))
    cctv = mates[CaptureQuality.CCTV]
    figures += [
        _figure(
            "Mates: CCTV mates below 99 (filtered by a 99 policy)",
            "WCSO 96.03",
            targets.genuine.cctv_below_99,
            float((cctv < 99.0).mean()),
            "{:.1%}",
        ),
        _figure(
            "Mates: CCTV 10th percentile",
            "FACTS.md",
            targets.genuine.cctv_tenth_percentile,
            float(np.percentile(cctv, 10)),
            "{:.2f}",
        ),
        _context(
            "Mates: CCTV 90th percentile",
            "FACTS.md",
            float(np.percentile(cctv, 90)),
            f"{np.percentile(cctv, 90):.2f}",
        ),
    ]

    nist = targets.nist
    x_op = operating_cosine(model, ref, nist.operating_fmr)
    at_op = differentials(model, ref, x_op)
    op_label = f"FMR {nist.operating_fmr:g} for {ref} men, similarity {sim.similarity_at(x_op):.1f}"
    figures += [
        _figure(
            f"NIST: group false-positive ratio ({at_op.highest_group}/{at_op.lowest_group}), "
            f"{op_label}",
            "NISTIR 8280",
            nist.group_ratio,
            at_op.group_ratio,
            "{:.1f}×",
        ),
        _figure(
            f"NIST: women over men ({ref}), {op_label}",
            "NISTIR 8280",
            nist.women_to_men,
            at_op.women_to_men,
            "{:.2f}×",
        ),
    ]
    for threshold in (95.0, 99.0):
        d = differentials(model, ref, sim.cosine_at(threshold))
        figures.append(
            _context(
                f"NIST: group ratio and women over men at {threshold:g}",
                "score model",
                d.group_ratio,
                f"{d.group_ratio:.0f}×, {d.women_to_men:.1f}×",
            )
        )
    return figures


def all_met(figures: list[Figure]) -> bool:
    return all(f.met is not False for f in figures)
