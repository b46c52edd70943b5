"""Plain verdict rows for bulk recording are exactly `evaluate_lead`'s, for every bundled policy."""

from hypothesis import given, settings
from hypothesis import strategies as st

from leadreview.domain.lead import Lead
from leadreview.domain.policy import UseCase
from leadreview.policy.evaluate import evaluate_leads, verdict_rows
from leadreview.policy.loader import load_bundled_policies

POLICIES = load_bundled_policies()

similarities = st.lists(
    st.one_of(
        st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
        st.sampled_from([0.0, 79.999, 80.0, 94.995, 95.0, 96.03, 98.999, 99.0, 100.0]),
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(similarities, st.sampled_from(list(UseCase)))
def test_fast_verdicts_equal_evaluate_lead(values: list[float], use_case: UseCase) -> None:
    leads = [
        Lead(rank=rank, similarity=s, face_id=f"f{rank}", external_image_id=f"e{rank}")
        for rank, s in enumerate(sorted(values, reverse=True), start=1)
    ]
    expected = [
        tuple((v.verdict.value, v.rule.value, v.reason) for v in row)
        for row in evaluate_leads(leads, POLICIES, use_case)
    ]
    assert verdict_rows(leads, POLICIES, use_case) == expected
