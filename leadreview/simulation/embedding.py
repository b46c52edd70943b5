"""Embeddings from the score model: a demographic part and an individual part.

Layout of a `dims`-vector: one axis per group (in the score model's order), then one per
sex (female, male), then the individual subspace. Group and sex directions are thus
mutually orthogonal unit vectors, and every embedding has unit norm by construction:
rho_group + rho_sex + (1 - rho_group - rho_sex) * |individual|^2 with |individual| = 1.
"""

import numpy as np
import numpy.typing as npt

from leadreview.domain.identity import Sex
from leadreview.simulation.score_model import ScoreModel

FloatMatrix = npt.NDArray[np.float32]
Codes = npt.NDArray[np.uint8]

SEX_BY_CODE: tuple[Sex, ...] = (Sex.FEMALE, Sex.MALE)


def sex_code(sex: Sex) -> int:
    return SEX_BY_CODE.index(sex)


def _normalise_rows(rows: FloatMatrix) -> FloatMatrix:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    out: FloatMatrix = rows / np.maximum(norms, np.float32(1e-12))
    return out


def individuals(rng: np.random.Generator, count: int, model: ScoreModel) -> FloatMatrix:
    """Unit vectors uniform on the sphere of the individual subspace: who each person is."""
    return _normalise_rows(rng.standard_normal((count, model.individual_dims), dtype=np.float32))


def orthogonal_directions(individual: FloatMatrix, rng: np.random.Generator) -> FloatMatrix:
    """Per row, a unit vector uniform among those orthogonal to that row of `individual`."""
    v = rng.standard_normal(individual.shape, dtype=np.float32)
    v -= np.einsum("ij,ij->i", v, individual)[:, None] * individual
    return _normalise_rows(v)


def blur_along(
    individual: FloatMatrix, direction: FloatMatrix, noise: npt.NDArray[np.float64] | float
) -> FloatMatrix:
    """`individual + noise * direction`, renormalised (`direction` from `orthogonal_directions`)."""
    scale = np.asarray(noise, dtype=np.float32).reshape(-1, 1)
    return _normalise_rows(individual + scale * direction)


def blur(
    individual: FloatMatrix,
    noise: npt.NDArray[np.float64] | float,
    rng: np.random.Generator,
) -> FloatMatrix:
    """The individual part as one capture sees it: `individual + noise * v`, renormalised.

    `v` is a unit vector uniform among those orthogonal to `individual`, so the cosine to
    the clean individual is exactly 1/sqrt(1 + noise^2): the spread of a quality's mate
    scores comes from its per-probe noise scales, not from the luck of the draw. A stranger
    still sees a uniform direction, so capture noise leaves impostor scores unchanged.
    """
    return blur_along(individual, orthogonal_directions(individual, rng), noise)


def assemble(
    model: ScoreModel, group_codes: Codes, sex_codes: Codes, individual: FloatMatrix
) -> FloatMatrix:
    """Full unit embeddings from demographic codes and unit individual parts."""
    rows = individual.shape[0]
    n_groups = len(model.groups)
    group_rho = np.array(list(model.groups.values()), dtype=np.float64)[group_codes]
    sex_rho = np.array([model.sex[s] for s in SEX_BY_CODE], dtype=np.float64)[sex_codes]
    out = np.zeros((rows, model.dims), dtype=np.float32)
    index = np.arange(rows)
    out[index, group_codes.astype(np.int64)] = np.sqrt(group_rho)
    out[index, n_groups + sex_codes.astype(np.int64)] = np.sqrt(sex_rho)
    individual_scale = np.sqrt(1.0 - group_rho - sex_rho).astype(np.float32)
    out[:, n_groups + len(SEX_BY_CODE) :] = individual_scale[:, None] * individual
    return out
