"""The policies a search is evaluated under: one in force, every loaded one in the shadow."""

from collections.abc import Sequence
from dataclasses import dataclass

from leadreview.domain.policy import LoadedPolicy
from leadreview.workflow.errors import InvalidRequest

DEFAULT_POLICY = "wcso-practice"
# How many candidates to ask for when the policy in force sets no maximum: the most the
# FBI's NGI-IPS returns (GAO-16-267), far above what anyone reviews.
DEFAULT_MAX_FACES = 50


@dataclass(frozen=True)
class PolicySet:
    in_force: LoadedPolicy
    policies: tuple[LoadedPolicy, ...]  # every policy evaluated, the one in force included
    # True when the person acting chose the policies or the one in force (`case open
    # --policy/--in-force`) rather than taking the installation's: that is setting policy,
    # which needs the `change-policy` permission (checked when the case is opened).
    chosen: bool = False

    @classmethod
    def of(
        cls, loaded: Sequence[LoadedPolicy], in_force: str = DEFAULT_POLICY, *, chosen: bool = False
    ) -> "PolicySet":
        by_name = {p.name: p for p in loaded}
        if len(by_name) != len(loaded):
            raise InvalidRequest("policy set: two loaded policies share a name")
        if in_force not in by_name:
            known = ", ".join(by_name) or "none"
            raise InvalidRequest(f"policy in force {in_force!r} is not loaded (loaded: {known})")
        return cls(in_force=by_name[in_force], policies=tuple(loaded), chosen=chosen)

    @property
    def in_force_index(self) -> int:
        return next(i for i, p in enumerate(self.policies) if p.name == self.in_force.name)

    def max_faces(self) -> int:
        return self.in_force.policy.max_candidates or DEFAULT_MAX_FACES
