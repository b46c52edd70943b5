"""Calibration of the score model against the public record (FACTS.md).

`fit` re-derives the fitted parameters from the targets; `measure` reports how a score
model meets them, analytically and by Monte Carlo with the real generator.
"""
