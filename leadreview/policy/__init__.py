"""Policy loading and evaluation: the shadow verdicts."""
