"""`leadreview report compare|sweep|audit`: a self-contained HTML page to open, send or print."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from leadreview.audit.verdict import VerifyReport

from leadreview.cli.batch_runs import disparity_rules, emit, run_comparison, run_sweep
from leadreview.cli.options import (
    ClusterOpt,
    GalleryOpt,
    GallerySeedOpt,
    MaxCandidatesOpt,
    MinGroupOpt,
    ParityBandOpt,
    PolicyOpt,
    ProbesOpt,
    ProfileOpt,
    ReferenceOpt,
    ScenarioOpt,
    SeedOpt,
    SeedsOpt,
    StepOpt,
)
from leadreview.cli.output_paths import output_file
from leadreview.runs.comparison import BatchRequest

report_app = typer.Typer(
    help="Self-contained HTML reports (inline CSS and charts; nothing is fetched).",
    no_args_is_help=True,
)
ReportOutputOpt = Annotated[
    Path,
    typer.Option(
        "--output",
        "-o",
        help="the HTML file to write (.html or .htm), in a folder that exists",
        callback=output_file(".html", ".htm"),
    ),
]


@report_app.command("compare")
def report_compare(
    *,
    output: ReportOutputOpt,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    reviewer_profile: ProfileOpt = None,
    reference_group: ReferenceOpt = "largest",
    min_group_size: MinGroupOpt = 30,
    parity_band: ParityBandOpt = False,
    gallery_seed: GallerySeedOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """A policy comparison as an HTML page: the findings in words, then workload, wrongful
    leads, mates lost and disparities, each chart with its table.

    The same numbers are written beside the page as OUTPUT's stem + .csv and .json."""
    from leadreview.analysis.compare_export import comparison_csv
    from leadreview.analysis.report_exports import comparison_bundle_json
    from leadreview.analysis.report_html import comparison_report

    comparison = run_comparison(
        BatchRequest(
            scenario=scenario,
            seed=seed,
            seeds=seeds,
            gallery_size=gallery_size,
            probes=probes,
            policy=policy,
            gallery_seed=gallery_seed,
            cluster=cluster,
        ),
        reviewer_profile=reviewer_profile,
        rules=disparity_rules(reference_group, min_group_size, parity_band),
    )
    emit(comparison_csv(comparison), output.with_suffix(".csv"))
    emit(comparison_bundle_json(comparison), output.with_suffix(".json"))
    emit(comparison_report(comparison, exports=output.stem), output)
    typer.echo(f"wrote {output} (and {output.stem}.csv, {output.stem}.json)", err=True)


@report_app.command("sweep")
def report_sweep(
    *,
    output: ReportOutputOpt,
    scenario: ScenarioOpt = "aclu-2018",
    seed: SeedOpt = None,
    seeds: SeedsOpt = 1,
    gallery_size: GalleryOpt = None,
    probes: ProbesOpt = None,
    policy: PolicyOpt = None,
    step: StepOpt = 1.0,
    max_candidates: MaxCandidatesOpt = None,
    gallery_seed: GallerySeedOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """A threshold sweep as an HTML page: FMR, FPIR and FNIR against threshold and FNIR
    against list length, per group, each chart with its table.

    The same numbers are written beside the page as OUTPUT's stem + .csv, .ranks.csv and
    .json."""
    from leadreview.analysis.sweep_export import sweep_csv, sweep_json, sweep_rank_csv
    from leadreview.analysis.sweep_report_html import sweep_report

    result = run_sweep(
        BatchRequest(
            scenario=scenario,
            seed=seed,
            seeds=seeds,
            gallery_size=gallery_size,
            probes=probes,
            policy=policy,
            gallery_seed=gallery_seed,
            cluster=cluster,
        ),
        step=step,
        max_candidates=max_candidates,
    )
    emit(sweep_csv(result), output.with_suffix(".csv"))
    emit(sweep_rank_csv(result), output.with_suffix(".ranks.csv"))
    emit(sweep_json(result), output.with_suffix(".json"))
    emit(sweep_report(result, exports=output.stem), output)
    typer.echo(f"wrote {output} (and the .csv, .ranks.csv and .json beside it)", err=True)


@report_app.command("audit")
def report_audit(*, output: ReportOutputOpt) -> None:
    """The audit log as an HTML page: each decision beside every policy's verdict, the
    forwarded leads each policy would have filtered, counts, and the chain's verification.

    Acts as the configured actor in the auditor role; producing the report is recorded in
    the log (`report.generated`, with the file's SHA-256) before the file appears."""
    from leadreview.analysis.audit_report_html import audit_report_html
    from leadreview.audit.service import verify_with_context
    from leadreview.cli.context import application
    from leadreview.domain.roles import Role
    from leadreview.io.atomic import write_on_record
    from leadreview.policy.loader import load_policies
    from leadreview.workflow.audit_report import build_audit_report, record_report
    from leadreview.workflow.policy_set import DEFAULT_POLICY, PolicySet
    from leadreview.workflow.service import ReviewWorkflow

    actor = application().principal(Role.AUDITOR).actor
    store = application().store()
    try:
        workflow = ReviewWorkflow(
            ctx=application().workflow_context(),
            policies=PolicySet.of(load_policies([DEFAULT_POLICY])),  # reads only
        )
        context = application().audit_context()

        def verified() -> "VerifyReport":
            # The chain, and the working rows and policy files against it (P15).
            from leadreview.exercise.row_checks import row_breaks

            result = verify_with_context(store, context)
            result.breaks.extend(row_breaks(store))
            return result

        report = build_audit_report(workflow, actor, verify=verified)
        html = audit_report_html(report).encode("utf-8")
        # Written aside first, recorded, then put in place: no report exists that the
        # log does not know about.
        write_on_record(
            output,
            html,
            lambda digest: record_report(
                workflow,
                actor,
                report,
                fmt="html",
                output_sha256=digest,
                destination=output.name,
            ),
        )
    finally:
        store.dispose()
    status = "verified" if report.chain.ok else "FAILED verification"
    typer.echo(
        f"wrote {output}: {len(report.decisions)} decisions, chain {status} "
        f"at head {report.chain.head_seq}",
        err=True,
    )
    if not report.chain.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(report_app, name="report")
