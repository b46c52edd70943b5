"""The batch of ranked leads every comparison works on; defined in the simulation layer.

`SearchBatch` lives in `leadreview.simulation.search_batch` because the simulated
reviewer model decides over a batch and the simulation sits below analysis in the
layers contract; analysis modules keep importing it from here.
"""

from leadreview.simulation.search_batch import SearchBatch

__all__ = ["SearchBatch"]
