"""The terms the reports use, as ISO/IEC 19795-10 and NIST IR 8280 use them, in plain words.

Definitions are this project's wording; the standards are cited, not quoted.
"""

from html import escape

GLOSSARY: tuple[tuple[str, str], ...] = (
    (
        "mated / non-mated search",
        "A search for someone who is in the gallery (mated) or who is not (non-mated). "
        "Every lead from a non-mated search is a false lead.",
    ),
    (
        "candidate list",
        "The ranked leads a search returns, best score first; its length is the most "
        "leads a reviewer is shown (WCSO: 5).",
    ),
    (
        "threshold (T)",
        "The Similarity below which a policy hides a lead. The operational threshold is "
        "the one a policy actually uses; the reports mark each bundled policy's on every "
        "curve.",
    ),
    (
        "false match rate, FMR(T)",
        "The share of comparisons between a probe and someone else's photo that score at "
        "least T (ISO/IEC 2382-37; NIST IR 8280 plots it per group on a log scale).",
    ),
    (
        "false positive identification rate, FPIR(T)",
        "The share of non-mated searches that return at least one candidate at or above "
        "T: people not in the gallery who are nonetheless handed a lead.",
    ),
    (
        "false negative identification rate, FNIR(T, R)",
        "The share of mated searches whose true mate is not among the top R candidates "
        "at or above T: people who are in the gallery and are missed.",
    ),
    (
        "demographic differential",
        "A difference in any of these rates between demographic groups (ISO/IEC 19795-10 "
        "asks that it be reported per group, with its uncertainty, at the operational "
        "threshold).",
    ),
    (
        "reference group",
        "The group every other group is compared with: by default the largest (as "
        "Aequitas's 'majority'), or all searches together (as Fairlearn's MetricFrame "
        "'overall').",
    ),
    (
        "ratio, difference",
        "A group's rate divided by, or minus, the reference group's. ×1.00 and +0.0 "
        "points mean no difference.",
    ),
    (
        "95% interval",
        "A range built so that, if the whole study were repeated many times (new worlds, "
        "new probes), 95 of 100 such ranges would hold the true rate. A ratio whose "
        "interval includes 1 is not highlighted as a difference.",
    ),
    (
        "parity band",
        "Aequitas's rule of thumb: a ratio between 0.8 and 1.25 is treated as parity.",
    ),
)

CITATIONS = (
    "ISO/IEC 19795-10:2024, Biometric performance testing and reporting, Part 10: "
    "Quantifying biometric system performance variation across demographic groups.",
    "P. Grother, M. Ngan, K. Hanaoka, NIST IR 8280, Face Recognition Vendor Test Part 3: "
    "Demographic Effects, December 2019.",
    "P. Saleiro et al., Aequitas: A Bias and Fairness Audit Toolkit, 2018.",
    "Fairlearn, MetricFrame: metrics overall and by group, differences and ratios.",
)


def glossary_html() -> str:
    items = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in GLOSSARY)
    return f'<dl class="glossary">{items}</dl>'
