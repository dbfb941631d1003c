"""``sdmx-publish``: the command line for data managers. Every command calls the library's pipeline."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from . import config
from .errors import PublishError
from .redact import redact_text

if TYPE_CHECKING:  # the command imports pandas and the structures only when it needs them (import time)
    import pandas as pd

    from .structure import Flow

EPILOG = """examples:
  sdmx-publish demo --store releases          publish the bundled examples
  sdmx-publish run examples/unodc/homicide.yaml --store releases
  sdmx-publish run countries/kor/homicide.yaml --start-period 2018 --end-period 2019   rerun two years
  sdmx-publish validate examples/unodc/homicide.yaml --report-dir report
  sdmx-publish retire DF_ICCS unodc_homicide --reason "replaced by countries/kor/homicide.yaml"
  sdmx-publish codes DF_SDG_16_CRIME AGE --search 14   browse a codelist
  sdmx-publish preview examples/knpa/crime_by_region.yaml   the mapped table, before validating
  sdmx-publish regional --store releases      SDG 16 series and regional aggregates from DF_ICCS
  sdmx-publish serve --store releases         SDMX REST API on http://127.0.0.1:8000
  sdmx-publish structures                     rebuild dsd/ (agency from SDMX_PUBLISH_AGENCY)
  sdmx-publish pools > pools.json && airflow pools import pools.json   one pool per dataflow
  airflow pools list -o json | sdmx-publish pools --check -   which of them Airflow lacks

environment: SDMX_PUBLISH_STORE (default ./releases), SDMX_PUBLISH_AGENCY (default CCJS),
SDMX_PUBLISH_DSD_DIR (default the bundled dsd/), SDMX_PUBLISH_POPULATION (default the bundled
World Bank population); serve: SDMX_PUBLISH_BASE_URL, SDMX_PUBLISH_MAX_* limits (docs/feed.md)."""


ALLOW_DELETIONS = ("publish even if the part loses published observations (by default any is an error) or more "
                   "source rows than source.max_row_drop (a cut source file would); recorded in the release manifest")


def _progress(spec: str):
    start = time.monotonic()

    def say(step: str) -> None:
        print(f"  [{time.monotonic() - start:6.1f}s] {Path(spec).name}: {step}", file=sys.stderr, flush=True)
    return say


def cmd_run(args: argparse.Namespace) -> int:
    from .pipeline import run

    periods = (getattr(args, "start_period", None), getattr(args, "end_period", None))
    for spec in args.spec:
        result = run(spec, args.store, periods=periods, allow_deletions=args.allow_deletions, progress=_progress(spec))
        state = "published" if result["new"] else "unchanged, latest release kept"
        carried = (f"\n  periods outside {periods[0] or '..'} to {periods[1] or '..'}: {result['carried_forward']} "
                   "observations carried forward from the latest release" if "carried_forward" in result else "")
        print(f"{result['dataflow']}: release {result['release_id']} ({result['observations']} observations, {state})"
              f"\n  {result['path']}\n  validation: {result['validation']['errors']} errors, "
              f"{result['validation']['warnings']} warnings{carried}")
    return 0


def cmd_codes(args: argparse.Namespace) -> int:
    from .structure import load_registry
    from .validate.suggest import nearest_codes

    flow = load_registry().flow(args.dataflow, args.agency)
    coded = {c: flow.codelists[c] for c in (*flow.dsd.dimension_ids, *flow.dsd.attribute_ids) if c in flow.codelists}
    if args.dimension is None:
        print(f"{flow.dataflow.ref}: {flow.dataflow.name}")
        for comp, cl in coded.items():
            print(f"  {comp:<24} {cl.ref}  {len(cl.codes)} codes  {cl.name}")
        return 0
    if args.dimension not in coded:
        near = nearest_codes(args.dimension.upper(), coded)
        raise PublishError(f"{args.dimension!r} is not a coded component of {flow.dataflow.ref}",
                           fix=f"did you mean {' or '.join(near)}?" if near else f"one of {', '.join(coded)}")
    cl = coded[args.dimension]
    text = (args.search or "").casefold()
    codes = [c for c in cl.codes.values()
             if not text or text in c.id.casefold() or text in c.name.casefold()
             or any(text in n.casefold() for n in c.names.values())]
    print(f"{args.dimension}: {cl.ref} {cl.name}, {len(codes)} of {len(cl.codes)} codes"
          + (f" matching {args.search!r}" if text else ""))
    for c in codes:
        print(f"  {c.id:<12} {c.name}" + (f"  (in {c.parent})" if c.parent else ""))
    if text and not codes:
        near = nearest_codes(args.search, cl.codes)
        print(f"  no code or name contains {args.search!r}" + (f"; nearest codes: {', '.join(near)}" if near else ""))
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    import pandas as pd

    from .pipeline import preview
    from .validate.hints import unread_cells
    from .write.text import format_numbers

    frame, report, flow = preview(args.spec)
    shown = frame[[c for c in frame.columns if not c.startswith("_")]].head(args.rows)
    if "OBS_VALUE" in shown.columns:  # as the publication writes it: 3012, not 3012.0
        shown = shown.assign(OBS_VALUE=format_numbers(shown["OBS_VALUE"].to_numpy()))
    print(f"{args.spec}: {report['rows_read']} source rows read, {report['rows_filtered']} filtered out; "
          f"{len(frame)} observations of {flow.dataflow.ref} (not validated, not published)")
    for h in report["held_back"]:
        print(f"held back (filter.drop_rows): line(s) {', '.join(map(str, h['rows']))}: "
              f"{h['reason'] or 'reason in a comment of the spec'}")
    with pd.option_context("display.max_columns", None, "display.width", 200, "display.max_colwidth", 40):
        print(shown.to_string(index=False))
    if len(frame) > args.rows:
        print(f"... {len(frame) - args.rows} more (--rows N shows more)")
    print("\n".join(code_legend(frame, flow)))
    for line in unread_cells(frame, flow.dsd.time_dimension):
        print(line)
    for u in report["unmapped"]:
        print(f"unmapped: {u['count']} row(s) with {dict(zip(u['columns'], u['value']))} match no row of {u['map']} "
              f"(first at row {u['first_row']})" + (f"; {u['encoding']}" if u.get("encoding") else ""))
    for r in report["mapping"]:
        cov = "" if r["coverage"] is None else f"{r['coverage']:.1%}"
        print(f"map {r['map']}: {cov} of {r['total']:,.15g} mapped, {r['excluded']:,.15g} excluded on purpose, "
              f"{r['unmapped']:,.15g} unmapped")
    return 0


#: codes named per column by ``preview`` at most
LEGEND_CODES = 25


def code_legend(frame: pd.DataFrame, flow: Flow) -> list[str]:
    """Lines naming the codes each coded column of ``frame`` uses (English names from the codelists): a valid
    but wrong code (0401 where 0501 was meant) shows as the wrong name."""
    import pandas as pd

    lines = [f"codes used (names from the codelists of {flow.dataflow.ref}):"]
    for comp in (c for c in frame.columns if c in flow.codelists):
        cl = flow.codelists[comp]
        used = sorted(str(c) for c in pd.unique(frame[comp].dropna()))
        named = [f"{c} {cl.codes[c].name}" if c in cl.codes else f"{c} (not in {cl.ref})" for c in used[:LEGEND_CODES]]
        more = f"; ... {len(used) - LEGEND_CODES} more (sdmx-publish codes {flow.id} {comp})" \
            if len(used) > LEGEND_CODES else ""
        lines.append(f"  {comp}: " + "; ".join(named) + more)
    return lines


def cmd_retire(args: argparse.Namespace) -> int:
    from .pipeline import retire_part

    release = retire_part(args.dataflow, args.part, args.store, reason=args.reason, agency=args.agency)
    print(f"{args.dataflow}: release {release.id} retires part {args.part} "
          f"({release.manifest.extra['retired']['observations']} observations deleted; "
          f"{release.manifest.observations} observations of {len(release.manifest.parts)} part(s) remain)\n  {release.path}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from .errors import ValidationFailed
    from .pipeline import INTERMEDIATE, STEPS, Step, run_step
    from .validate.outcome import SUMMARY

    out = Path(args.report_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    store = config.store_dir(args.store)  # read only: the latest release, for revisions and row counts
    say = _progress(args.spec)
    try:
        for step in STEPS[: STEPS.index(Step.PUBLISH)]:  # every step before publishing
            say(step)
            try:
                result = run_step(step, args.spec, out, store, allow_deletions=args.allow_deletions)
            except ValidationFailed:
                result = json.loads((out / SUMMARY).read_text())
    finally:  # the report folder keeps the reports only
        for name in INTERMEDIATE:
            (out / name).unlink(missing_ok=True)
    print(result["summary"])
    print(f"reports: {result['html']} (for people), {result['json']} (machine-readable), {result['csv']} (all findings)")
    return 0 if result["ok"] else 1


def demo_specs(examples: str | None = None) -> list[Path]:
    """The example specs (``--examples``, else a checkout's ``examples/``), in the order the demo publishes them.

    The examples (source tables with their provenance) are not package data: an installed wheel names
    them explicitly.
    """
    folder = Path(examples) if examples else config.ROOT / "examples"
    specs = sorted(folder.glob("*/*.yaml"))
    if not specs:
        raise PublishError(f"no example specs (*/*.yaml) in {folder}",
                           fix="pass --examples DIR, the examples/ folder of a sdmx-publish checkout or source archive "
                               "(the examples are not part of the installed package)")
    return specs


def cmd_demo(args: argparse.Namespace) -> int:
    from .store import latest

    store = config.store_dir(args.store)
    args.spec = [str(p) for p in demo_specs(args.examples)]
    args.allow_deletions = False
    print(f"Publishing {len(args.spec)} bundled examples into {store}", file=sys.stderr)
    cmd_run(args)
    print("\nLatest releases:")
    for agency_dir in sorted(p for p in store.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for flow_dir in sorted(agency_dir.iterdir()):
            release = latest(store, agency_dir.name, flow_dir.name)
            if release:
                m = release.manifest
                print(f"  {agency_dir.name}:{flow_dir.name}  {m.observations} observations from "
                      f"{len(m.parts)} source{'s' if len(m.parts) != 1 else ''} ({', '.join(m.parts)})"
                      f"\n    {release.path}")
    print(f"\nServe them over the SDMX REST API: sdmx-publish serve --store {store}")
    return 0


def cmd_regional(args: argparse.Namespace) -> int:
    from .derive.regional import publish_regional

    result = publish_regional(config.store_dir(args.store), threshold=args.threshold,
                              min_countries=args.min_countries, impute=args.impute,
                              population=config.population_file(args.population))
    state = "published" if result["new"] else "unchanged, latest release kept"
    print(f"{result['dataflow']}: release {result['release_id']} ({state}) from {result['source_release']}\n"
          f"  national: {result['national']} derived ({result['withheld_national']} left to national sources), "
          f"regional: {result['regional']} ({result['regional_withheld']} withheld: coverage below the threshold, "
          f"fewer countries than the minimum, or a breakdown over other countries than the region's total)\n"
          f"  membership of every aggregate: {result['membership']}\n"
          f"  regions: {', '.join(result['regions']) or 'none'}\n"
          f"  rates computed from a population: "
          f"{', '.join(f'{v} with {k}' for k, v in result['population']['rates_by_source'].items()) or 'none'}"
          f" (the others as reported)")
    return 0


def cmd_pools(args: argparse.Namespace) -> int:
    """The Airflow pools of the DAGs (one slot per dataflow) as ``airflow pools import`` reads them; with
    ``--check``, the ones missing from Airflow's pools (exit 1)."""
    from .errors import InputError
    from .orchestrate.sources import missing_pools, pools

    if args.check is None:
        print(json.dumps({name: {"slots": 1, "description": text, "include_deferred": False}
                          for name, text in pools().items()}, indent=2))
        return 0
    if args.check != "-" and not Path(args.check).is_file():
        raise InputError("file not found", where=args.check, fix="airflow pools list -o json > pools-now.json")
    listing = sys.stdin.read() if args.check == "-" else Path(args.check).read_text(encoding="utf-8")
    missing = missing_pools(listing, where="stdin" if args.check == "-" else args.check)
    if not missing:
        print(f"all {len(pools())} pools of the sdmx-publish DAGs exist")
        return 0
    print(f"missing Airflow pools (a task in a missing pool stays 'scheduled' forever): {', '.join(missing)}\n"
          "  fix: sdmx-publish pools > pools.json && airflow pools import pools.json", file=sys.stderr)
    return 1


def cmd_structures(args: argparse.Namespace) -> int:
    from .structure.build import build_all

    for path in build_all(args.out, args.agency):
        print(path)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run as serve_run

    serve_run(config.store_dir(args.store), host=args.host, port=args.port, workers=args.workers,
              base_url=args.base_url, log_level=args.log_level)
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sdmx-publish", description="Publish national crime and criminal justice "
                                "tables as validated SDMX releases.", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--debug", action="store_true", help="show the full traceback of unexpected errors")
    sub = p.add_subparsers(dest="command", required=True)
    store_help = "release store folder (default: $SDMX_PUBLISH_STORE or ./releases)"

    r = sub.add_parser("run", help="extract, transform, validate and publish one or more source specs")
    r.add_argument("spec", nargs="+", help="source spec YAML file(s)")
    r.add_argument("--store", help=store_help)
    r.add_argument("--start-period", help="rerun from this period (e.g. 2015, 2015-Q1): only the periods in range "
                   "are taken from the source, the others carried forward from the latest release")
    r.add_argument("--end-period", help="rerun up to this period (inclusive); see --start-period")
    r.add_argument("--allow-deletions", action="store_true", help=ALLOW_DELETIONS)
    r.set_defaults(func=cmd_run)

    cd = sub.add_parser("codes", help="browse a dataflow's codelists: its coded components, or one component's "
                        "codes (--search TEXT in codes and names)")
    cd.add_argument("dataflow", help="dataflow id, e.g. DF_SDG_16_CRIME")
    cd.add_argument("dimension", nargs="?", help="a dimension or coded attribute, e.g. AGE")
    cd.add_argument("--search", help="only the codes whose id or name contains this text (any case)")
    cd.add_argument("--agency", help="the dataflow's agency, when two agencies have a dataflow of that id")
    cd.set_defaults(func=cmd_codes)

    pv = sub.add_parser("preview", help="print a spec's table read, reshaped and mapped, before validating")
    pv.add_argument("spec", help="source spec YAML file")
    pv.add_argument("--rows", type=int, default=20, help="observations to print (default: %(default)s)")
    pv.set_defaults(func=cmd_preview)

    rt = sub.add_parser("retire", help="retire a part (the data of one source spec) from a dataflow, as a new "
                        "release that says so")
    rt.add_argument("dataflow", help="dataflow id, e.g. DF_ICCS")
    rt.add_argument("part", help="the part, as the manifest's `parts` name it (e.g. unodc_homicide)")
    rt.add_argument("--reason", required=True, help="why, for the users: in the manifest and the Atom feed")
    rt.add_argument("--agency", help="the dataflow's agency, when two agencies have a dataflow of that id")
    rt.add_argument("--store", help=store_help)
    rt.set_defaults(func=cmd_retire)

    v = sub.add_parser("validate", help="validate a source spec's data without publishing; exit 1 on errors")
    v.add_argument("spec", help="source spec YAML file")
    v.add_argument("--store", help=store_help + "; the latest release is compared for revisions")
    v.add_argument("--report-dir", default="validation-report", help="where to write the reports (default: %(default)s)")
    v.add_argument("--allow-deletions", action="store_true", help=ALLOW_DELETIONS)
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("demo", help="publish the bundled examples and print what was published where")
    d.add_argument("--store", help=store_help)
    d.add_argument("--examples", help="folder of example specs (default: examples/ of this checkout; an installed "
                   "package has none)")
    d.set_defaults(func=cmd_demo)

    g = sub.add_parser("regional", help="derive SDG 16 series from the latest ICCS release, with regional aggregates")
    g.add_argument("--store", help=store_help)
    g.add_argument("--threshold", type=float, default=0.5,
                   help="minimum share of a region's population with data (default: %(default)s)")
    g.add_argument("--min-countries", type=int, default=3,
                   help="minimum number of countries with data per aggregate (default: %(default)s; a region "
                        "with fewer members needs all of them)")
    g.add_argument("--impute", action="store_true", help="scale counts up to the whole region (flagged I)")
    g.add_argument("--population", help="population CSV for rates and weights: REF_AREA,TIME_PERIOD,POPULATION or "
                   "the UN WPP TotalPopulationBySex file (default: $SDMX_PUBLISH_POPULATION or the bundled "
                   "World Bank table)")
    g.set_defaults(func=cmd_regional)

    pools = sub.add_parser("pools", help="the Airflow pools the DAGs use, as JSON for `airflow pools import`")
    pools.add_argument("--check", metavar="LISTING", help="instead, list the pools missing from Airflow (exit 1): "
                       "LISTING is the output of `airflow pools list -o json` (`-` for stdin)")
    pools.set_defaults(func=cmd_pools)

    s = sub.add_parser("structures", help="rebuild our own SDMX structures into dsd/")
    s.add_argument("--agency", help="maintenance agency (default: $SDMX_PUBLISH_AGENCY or CCJS)")
    s.add_argument("--out", help="output folder (default: the dsd/ folder)")
    s.set_defaults(func=cmd_structures)

    sv = sub.add_parser("serve", help="serve the store over the SDMX REST API")
    sv.add_argument("--store", help=store_help)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--workers", type=int, default=1, choices=range(1, 65), metavar="N",
                    help="worker processes (default: %(default)s; about one per core)")
    sv.add_argument("--base-url", help="public root URL for absolute links in feeds and structures, e.g. "
                    "https://data.example.org (default: $SDMX_PUBLISH_BASE_URL, else http://HOST:PORT)")
    sv.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"],
                    help="uvicorn log level; requests are logged at info and debug (default: %(default)s)")
    sv.set_defaults(func=cmd_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a reader gone before the last buffered line is a broken pipe here
        return code
    except PublishError as e:
        print(f"error: {e.message()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped (`... | head`): quiet, like any Unix filter, stdout closed first
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13  # SIGPIPE, what a shell reports for a filter cut short
    except Exception as e:  # an unexpected failure: one clear line, the traceback only on request
        if args.debug or os.environ.get("SDMX_PUBLISH_DEBUG"):
            raise
        print(f"error: unexpected {e.__class__.__name__}: {redact_text(str(e))}\n  rerun with --debug for the traceback and "
              f"report it", file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
