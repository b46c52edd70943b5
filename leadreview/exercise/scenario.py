"""Exercise scenario files: the world, the cases, the policies, roles, time limits,
injects and debrief questions of one tabletop exercise.

Kept apart from the batch scenarios of `simulation/scenario.py` (replay, compare): an
exercise names each case and what its ground truth must be (mated or not, where the
true mate ranks), where a batch scenario names only mixes and counts. Bundled exercises
live in `fixtures/scenarios/exercises/`, a folder the batch loader does not list.
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from leadreview.domain.identity import AgeBand, Sex
from leadreview.domain.policy import PolicyName, Similarity, UseCase
from leadreview.domain.probe import CaptureQuality
from leadreview.domain.roles import Role
from leadreview.simulation.scenario import GroupMix, ScenarioName, Share

Key = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Offense = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]

# Big enough for realistic impostor tails, small enough that `exercise start` takes
# seconds; Rekognition's own limit is 20 million (FACTS.md).
MAX_EXERCISE_GALLERY = 1_000_000
MAX_CASES = 200


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _band(value: Any) -> Any:
    """`3`, `"2-5"` and `"6-"` are short for {min, max} mappings."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"min": value, "max": value}
    if isinstance(value, str):
        low, dash, high = value.partition("-")
        try:
            return {"min": int(low), "max": (int(high) if high else None) if dash else int(low)}
        except ValueError:
            raise ValueError(f"{value!r}: write a rank band as 1, 2-5 or 6-") from None
    return value


class RankBand(_Strict):
    """Where the true mate must rank among the whole gallery (1 = the top lead).

    A band beyond the policy's number of candidates (e.g. `6-`) means the true mate is
    not among the leads at all."""

    min: int = Field(ge=1)
    max: int | None = Field(default=None, ge=1, description="none: no upper bound")

    @model_validator(mode="after")
    def _ordered(self) -> "RankBand":
        if self.max is not None and self.max < self.min:
            raise ValueError(f"rank band {self.min}-{self.max}: max is below min")
        return self

    def holds(self, rank: int) -> bool:
        return rank >= self.min and (self.max is None or rank <= self.max)

    def text(self) -> str:
        if self.max == self.min:
            return str(self.min)
        return f"{self.min}-{'' if self.max is None else self.max}"


class SimilarityRange(_Strict):
    min: Similarity = 0.0
    max: Similarity = 100.0

    @model_validator(mode="after")
    def _ordered(self) -> "SimilarityRange":
        if self.max < self.min:
            raise ValueError(f"similarity range {self.min}-{self.max}: max is below min")
        return self

    def holds(self, value: float) -> bool:
        return self.min <= value <= self.max


class WorldSpec(_Strict):
    seed: int = Field(ge=0, lt=2**63)
    gallery_size: int = Field(ge=10, le=MAX_EXERCISE_GALLERY)
    group_mix: GroupMix
    female_share: Share = 0.25


class Subject(_Strict):
    """Who the probe shows; unset fields are drawn from the gallery's mix (seeded)."""

    group: str | None = None
    sex: Sex | None = None
    age_band: AgeBand | None = None


class CaseSpec(_Strict):
    id: Key
    offense: Offense
    use_case: UseCase = UseCase.INVESTIGATION
    quality: CaptureQuality
    source: Offense = Field(description="what the reviewer is told about the probe")
    mated: bool = Field(description="whether the person in the probe is in the gallery")
    mate_rank: Annotated[RankBand | None, BeforeValidator(_band)] = Field(
        default=None, description="mated cases only: the true mate's rank band"
    )
    mate_similarity: SimilarityRange | None = Field(
        default=None, description="mated cases only: the true mate's Similarity"
    )
    top_impostor_similarity: SimilarityRange | None = Field(
        default=None, description="the best-scoring wrong person's Similarity"
    )
    subject: Subject = Field(default_factory=Subject)
    cites: str = Field(default="", description="the public record this case draws on")

    @model_validator(mode="after")
    def _mate_fields_need_a_mate(self) -> "CaseSpec":
        if not self.mated and (self.mate_rank is not None or self.mate_similarity is not None):
            raise ValueError("mate_rank and mate_similarity need mated: true")
        return self


class ReleaseAfter(_Strict):
    after_minutes: float = Field(ge=0.0, le=24 * 60)


class ReleaseCondition(StrEnum):
    """What a conditional inject waits for in play."""

    CASE_DECIDED = "case_decided"  # the first decision on any lead of the case
    LEAD_FORWARDED = "lead_forwarded"  # a lead of the case forwarded as a possible lead


class ReleaseWhen(_Strict):
    """Released by the exercise clock once something has happened in play: a chained
    inject (e.g. the pressure for an arrest once a lead is forwarded)."""

    when: ReleaseCondition
    case: Key = Field(description="the case whose play releases it")


class InjectKind(StrEnum):
    EVIDENCE = "evidence"  # new corroborating (or exculpatory) evidence
    PRESSURE = "pressure"  # someone pressing for an arrest
    PRESS = "press"  # a press inquiry
    NOTE = "note"


class InjectSpec(_Strict):
    id: Key
    kind: InjectKind
    title: Offense
    text: Text
    sender: Offense = Field(default="exercise control", description="who it comes from")
    release: Literal["manual"] | ReleaseAfter | ReleaseWhen = "manual"
    cases: list[Key] = Field(default_factory=list, description="the cases it concerns")

    @property
    def after_minutes(self) -> float | None:
        return self.release.after_minutes if isinstance(self.release, ReleaseAfter) else None

    @property
    def condition(self) -> ReleaseWhen | None:
        return self.release if isinstance(self.release, ReleaseWhen) else None


class ExpectationCheck(StrEnum):
    """How the debrief scores an expectation. `manual`: the facilitator validates it."""

    MANUAL = "manual"
    NO_WRONG_PERSON_FORWARDED = "no-wrong-person-forwarded"
    TRUE_MATE_FORWARDED = "true-mate-forwarded"
    TOP_WRONG_LEAD_REJECTED = "top-wrong-lead-rejected"
    NO_ENFORCEMENT_WITHOUT_CORROBORATION = "no-enforcement-without-corroboration"


class ExpectationSpec(_Strict):
    """What the exercise's designers expect players to do (HSEEP's expected actions)."""

    id: Key
    text: Text
    check: ExpectationCheck = ExpectationCheck.MANUAL
    cases: list[Key] = Field(
        default_factory=list, description="the cases it concerns; none: every case"
    )
    inject: Key | None = Field(default=None, description="the inject it answers, if any")


class ObjectiveSpec(_Strict):
    """An exercise objective, with the expectations that evaluate it (HSEEP EEG)."""

    id: Key
    text: Text
    capability: Offense = Field(description="the capability it exercises, e.g. lead review")
    expectations: list[Key] = Field(min_length=1)


class RoleSlot(_Strict):
    role: Role
    max: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _a_participant_role(self) -> "RoleSlot":
        if self.role is Role.FACILITATOR:
            raise ValueError("the facilitator runs the exercise and does not join it")
        return self


class TimeLimits(_Strict):
    exercise_minutes: float | None = Field(default=None, gt=0, le=24 * 60)
    per_case_minutes: float | None = Field(default=None, gt=0, le=24 * 60)


class Assignment(StrEnum):
    ROUND_ROBIN = "round-robin"  # each case to as many participants as the policy needs
    FACILITATOR = "facilitator"  # the facilitator assigns by hand
    OPEN = "open"  # any participant reviews any case


def _default_roles() -> list[RoleSlot]:
    return [RoleSlot(role=Role.REVIEWER)]


class ExerciseScenario(_Strict):
    name: ScenarioName
    title: Offense
    sources: list[Text] = Field(min_length=1, description="citations for every figure used")
    world: WorldSpec
    policy_in_force: PolicyName
    shadow_policies: list[PolicyName] = Field(default_factory=list)
    policy_files: list[str] = Field(
        default_factory=list, description="extra policy files, relative to this file"
    )
    roles: list[RoleSlot] = Field(default_factory=_default_roles, min_length=1)
    assignment: Assignment = Assignment.ROUND_ROBIN
    time_limits: TimeLimits = Field(default_factory=TimeLimits)
    cases: list[CaseSpec] = Field(min_length=1, max_length=MAX_CASES)
    injects: list[InjectSpec] = Field(default_factory=list)
    debrief_questions: list[Text] = Field(min_length=1)
    objectives: list[ObjectiveSpec] = Field(default_factory=list)
    expectations: list[ExpectationSpec] = Field(default_factory=list)
    notes: str = ""

    @model_validator(mode="after")
    def _evaluation_names_what_exists(self) -> "ExerciseScenario":
        cases = {c.id for c in self.cases}
        injects = {i.id for i in self.injects}
        expectations = {e.id for e in self.expectations}
        for e in self.expectations:
            unknown = [c for c in e.cases if c not in cases]
            if unknown:
                raise ValueError(f"expectation {e.id!r} names unknown case(s) {unknown}")
            if e.inject is not None and e.inject not in injects:
                raise ValueError(f"expectation {e.id!r} names unknown inject {e.inject!r}")
        for o in self.objectives:
            unknown = [x for x in o.expectations if x not in expectations]
            if unknown:
                raise ValueError(f"objective {o.id!r} names unknown expectation(s) {unknown}")
        return self

    @property
    def policy_names(self) -> list[str]:
        return [self.policy_in_force, *self.shadow_policies]

    def case(self, key: str) -> CaseSpec:
        return next(c for c in self.cases if c.id == key)

    def inject(self, key: str) -> InjectSpec | None:
        return next((i for i in self.injects if i.id == key), None)

    def role_limit(self, role: Role) -> int | None:
        """How many may join in `role`; None if the role may not join at all."""
        return next((r.max for r in self.roles if r.role is role), None)
