"""The command line. Thin: each command parses arguments and calls a service.

Heavy modules (numpy, boto3, sqlalchemy, textual) are imported inside the commands that
use them, so that `leadreview --help` and start-up stay fast.
"""

from leadreview.cli.app import main

__all__ = ["main"]
