"""The JSON written beside a comparison report: the headline's figures and the data.

A reader who quotes the first screen can find each figure under `headline`, and every
other number on the page under `comparison` (the same model `compare --format json`
prints).
"""

import json

from leadreview.analysis.compare_models import Comparison
from leadreview.analysis.headline import headline_facts


def comparison_bundle_json(comparison: Comparison) -> str:
    document = {
        "headline": [fact.model_dump(mode="json") for fact in headline_facts(comparison)],
        "comparison": comparison.model_dump(mode="json"),
    }
    return json.dumps(document, indent=2)
