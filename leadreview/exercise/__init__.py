"""Tabletop exercises: a facilitator runs a scenario, participants review leads, the
debrief reveals ground truth. Scenario files, the world they generate, the service that
runs an exercise over the review workflow, the debrief and its export package."""
