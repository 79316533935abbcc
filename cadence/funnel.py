"""Expected leads per stage: the funnel a product's conversions describe.

The rule is the engine's (docs/scheduling.md): the leads of one cohort that
reach stage k are the cohort size times the conversions of the stages before
k. Pure functions over the model; no clock, no I/O.
"""

from __future__ import annotations

from cadence.model import Plan, Product


def cohort_stage_leads(product: Product) -> dict[str, float]:
    """Expected leads of one cohort entering each stage, by stage id, in stage order."""
    leads: dict[str, float] = {}
    share = 1.0
    for stage in product.stages:
        leads[stage.id] = product.cohorts.size * share
        share *= stage.conversion
    return leads


def expected_stage_leads(plan: Plan) -> dict[tuple[str, str], float]:
    """Expected leads entering each (product, stage) over all of the product's cohorts."""
    out: dict[tuple[str, str], float] = {}
    for product in plan.products:
        cohorts = len(product.cohorts.intake_dates())
        for stage_id, leads in cohort_stage_leads(product).items():
            out[(product.id, stage_id)] = cohorts * leads
    return out
