"""The Textual app. Only this package and the CLI import Textual.

Nothing here builds a database, a service or a world at import time: the CLI (or a test)
makes a `ReviewGateway` and passes it to `LeadReviewApp`.
"""
