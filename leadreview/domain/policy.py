"""Policies and the verdicts they give on leads.

A policy is a named set of rules that decide whether a lead would be shown to a
reviewer. leadreview evaluates every lead against every loaded policy in the shadow:
the policy in force decides what a reviewer sees, the others only record what they
would have done. Every verdict names the rule that decided and the SHA-256 of the
policy file, so an audit entry says exactly which version of which policy said what.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic import Strict as _Strict

from leadreview.domain.decision import DEFAULT_MIN_RATIONALE_WORDS

# Strict: YAML's `true` is a boolean, and a boolean where a number belongs is a mistake
# to refuse, not 1.0 to act on (an integer such as 99 is still a number).
Similarity = Annotated[float, _Strict(), Field(ge=0.0, le=100.0)]
Count = Annotated[int, _Strict()]
PolicyName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")]


class UseCase(StrEnum):
    INVESTIGATION = "investigation"
    MISSING_PERSON = "missing-person"
    VICTIM_IDENTIFICATION = "victim-identification"


class Policy(BaseModel):
    """The content of a policy file (YAML), validated."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: PolicyName
    title: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1, description="citations for every figure used")
    min_similarity: Similarity | None = Field(
        default=None, description="leads below this are filtered; none means no threshold"
    )
    max_candidates: Count | None = Field(default=None, ge=1, le=4096)
    human_review_required: StrictBool = True
    reviewers_required: Count = Field(default=1, ge=1, le=5)
    allowed_use_cases: list[UseCase] = Field(min_length=1)
    use_case_min_similarity: dict[UseCase, Similarity | None] = Field(
        default_factory=dict,
        description="a threshold that replaces min_similarity for one use case",
    )
    enforcement_requires_corroboration: StrictBool = True
    # A reviewer's reason is the record an auditor reads: "ok" or "2" explains nothing.
    # Counted in words, since a keystroke can fill any number of characters.
    min_rationale_words: Count = Field(
        default=DEFAULT_MIN_RATIONALE_WORDS,
        ge=1,
        le=100,
        description="a decision's rationale must have at least this many words",
    )
    notes: str = ""

    @field_validator("reviewers_required")
    @classmethod
    def _reviewers_need_review(cls, value: int, info: ValidationInfo) -> int:
        # Fields validate in order, so human_review_required is known here; raising in
        # this field's validator lets the error name the reviewers_required line.
        if value > 1 and info.data.get("human_review_required") is False:
            raise ValueError(
                f"{value} reviewers required, but human_review_required is false: "
                "a policy without human review cannot require reviewers to agree"
            )
        return value

    @field_validator("allowed_use_cases")
    @classmethod
    def _use_cases_once(cls, value: list[UseCase]) -> list[UseCase]:
        repeated = sorted({u.value for u in value if value.count(u) > 1})
        if repeated:
            raise ValueError(f"use case listed twice: {', '.join(repeated)}")
        return value

    @model_validator(mode="after")
    def _overrides_name_allowed_use_cases(self) -> "Policy":
        for use_case in self.use_case_min_similarity:
            if use_case not in self.allowed_use_cases:
                raise ValueError(
                    f"use_case_min_similarity names {use_case.value!r}, "
                    "which allowed_use_cases does not allow"
                )
        return self

    def threshold_for(self, use_case: UseCase) -> float | None:
        if use_case in self.use_case_min_similarity:
            return self.use_case_min_similarity[use_case]
        return self.min_similarity


class LoadedPolicy(BaseModel):
    """A policy together with where it came from and the digest of its exact bytes."""

    model_config = ConfigDict(frozen=True)

    policy: Policy
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")

    @property
    def name(self) -> str:
        return self.policy.name


class Verdict(StrEnum):
    SHOWN = "shown"
    FILTERED = "filtered"


class DecidingRule(StrEnum):
    USE_CASE = "use-case"
    MIN_SIMILARITY = "min-similarity"
    MAX_CANDIDATES = "max-candidates"
    NO_RULE_FILTERS = "no-rule-filters"


class PolicyVerdict(BaseModel):
    model_config = ConfigDict(frozen=True)

    policy_name: str
    policy_sha256: str
    verdict: Verdict
    rule: DecidingRule
    reason: str
