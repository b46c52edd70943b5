"""The files shipped with leadreview: `policies/` and `fixtures/`.

The repository keeps them at its top (where a reader looks for them); the wheel build maps
them in here (`package-dir` in pyproject.toml), so an installed leadreview finds them
through `importlib.resources` wherever it is installed. See `leadreview/paths.py`.
"""
