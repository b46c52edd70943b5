"""The synthetic world: seeded galleries and probes, and the calibrated score model.

Import from the submodules (`world`, `scenario`, `score_model`, `similarity`); nothing is
built at import time, and nothing here prints or imports a UI library.
"""
