"""Exact allocation of a population to classes, so that a scenario's mix is met to the unit.

A gallery of 25,000 with 27% of one group has 6,750 of them in every seed; only who they
are varies. That keeps seed-to-seed variation down to the part that matters.
"""

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import Sex
from leadreview.simulation.embedding import sex_code


def largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Integer counts summing to `total`, each within one of `share * total`."""
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=np.float64)
    weights = weights / weights.sum()
    exact = weights * total
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    # Ties go to the earlier key, so the result does not depend on float noise.
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - counts[i]), i))
    for i in order[:short]:
        counts[i] += 1
    return {k: int(c) for k, c in zip(keys, counts, strict=True)}


def class_shares(group_mix: Mapping[str, float], female_share: float) -> dict[str, float]:
    """Joint (group, sex) shares, keyed `group/sex`, sex independent of group."""
    shares: dict[str, float] = {}
    for group, share in group_mix.items():
        shares[class_key(group, Sex.FEMALE)] = share * female_share
        shares[class_key(group, Sex.MALE)] = share * (1.0 - female_share)
    return shares


def class_key(group: str, sex: Sex) -> str:
    return f"{group}/{sex.value}"


def split_class_key(key: str) -> tuple[str, Sex]:
    group, sex = key.rsplit("/", 1)
    return group, Sex(sex)


def allocate_classes(
    group_mix: Mapping[str, float],
    female_share: float,
    total: int,
    group_codes: Mapping[str, int],
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]:
    """Group and sex codes (see `embedding.SEX_BY_CODE`) for `total` rows, shuffled."""
    counts = largest_remainder(class_shares(group_mix, female_share), total)
    groups = np.empty(total, dtype=np.uint8)
    sexes = np.empty(total, dtype=np.uint8)
    start = 0
    for key, count in counts.items():
        group, sex = split_class_key(key)
        groups[start : start + count] = group_codes[group]
        sexes[start : start + count] = sex_code(sex)
        start += count
    order = rng.permutation(total)
    return groups[order], sexes[order]
