"""Batch runs: scenarios searched seed by seed, recorded in the audit log, reviewed by
simulated reviewers, compared and swept. The orchestration the CLI used to carry; the
CLI (and anything else) calls these with a store and a principal the composition root
made, and shows progress through the callbacks it passes."""
