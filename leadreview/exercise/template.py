"""The commented template `leadreview scenario new` writes; a test checks it validates."""

TEMPLATE = """\
# An exercise scenario for `leadreview exercise start`. Every figure should cite its
# source under `sources`; assumptions say they are assumptions.
name: {name}
title: "A new tabletop exercise"
sources:
  - "WCSO to Gizmodo, 2019: no confidence threshold; up to 5 ranked candidates per search."
  - "Assumption (this template): a gallery of 5,000 faces, so that the exercise starts fast."
world:
  seed: 1
  # Booking photos in the simulated collection.
  gallery_size: 5000
  # Shares of the score model's groups (fixtures/calibration/score-model.yaml); sum to 1.
  group_mix: {{white: 0.70, hispanic: 0.15, black: 0.10, asian: 0.05}}
  female_share: 0.25
# The policy reviewers work under, and the policies evaluated in the shadow on every lead
# (names from policies/, or files listed under policy_files, relative to this file).
policy_in_force: wcso-practice
shadow_policies: [rekognition-default, amazon-police-95, amazon-documented-99]
policy_files: []
# Who may join, and how many of each.
roles:
  - {{role: reviewer, max: 10}}
# round-robin, facilitator (assigns by hand) or open (anyone reviews anything).
assignment: round-robin
time_limits: {{exercise_minutes: 45, per_case_minutes: 10}}
cases:
  - id: first-case
    offense: "theft from a store"
    use_case: investigation
    # booking, portrait, phone or cctv
    quality: cctv
    source: "store CCTV still"
    # Is the person in the probe in the gallery?
    mated: true
    # Where the true mate must rank: 1, 2-5, or 6- (not among the leads).
    mate_rank: 1
    mate_similarity: {{min: 90, max: 99}}
  - id: second-case
    offense: "burglary"
    quality: phone
    source: "a neighbour's phone photo"
    mated: false
    # The best wrong person must score this high (a look-alike is made if needed).
    top_impostor_similarity: {{min: 85}}
    subject: {{group: white, sex: male}}
injects:
  - id: pressure
    kind: pressure  # evidence, pressure, press or note
    title: "A supervisor wants an arrest"
    text: "We have the top lead. Why are we waiting?"
    sender: "Shift supervisor"
    release: {{after_minutes: 10}}  # or: manual (released with `exercise inject ID`)
    cases: [second-case]
debrief_questions:
  - "What did you rely on besides the Similarity score?"
"""


def template(name: str) -> str:
    return TEMPLATE.format(name=name)
