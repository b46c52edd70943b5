"""leadreview: a simulator of police face-search lead review and its accountability log.

Nothing is built at import time: engines, backends and services are made by the CLI
(or a test) and passed in.
"""

__version__ = "0.1.0"
