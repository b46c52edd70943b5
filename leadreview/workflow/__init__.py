"""The review workflow: cases, searches and their leads, reviewers' decisions, the
enforcement gate, roles, and the read models the UI is built on.

Start from `ReviewWorkflow` (service.py); `record_batch` (batch.py) records a replay.
"""
