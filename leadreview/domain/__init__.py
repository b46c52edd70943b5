"""Pydantic models of the domain. No I/O here, and nothing from the UI."""
