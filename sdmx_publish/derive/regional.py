"""Publish SDG 16 series derived from the latest ICCS release: national (``N``) and regional (``R``).

:func:`publish_regional` is what the regional Airflow DAG calls. It reads the latest release of
``DF_ICCS`` from the store, derives the national SDG series (:mod:`.sdg`), aggregates them to the
Asia-Pacific regions (:mod:`.aggregate`), validates the result against the global SDG DSD 1.14
and the global content constraints, and publishes it as the part ``derived_iccs_sdg`` of
``DF_SDG_16_CRIME``. A national value that another part of the dataflow already has (e.g. the
country's own SDG platform, ``kostat_*``) is not published again: the country's reported value
takes precedence. The manifest carries the lineage (source release, rules) and the coverage report.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import NotFound
from ..publish import other_parts, publish
from ..store import latest, read_frame
from ..structure import load_registry
from ..transform.rates import population_for
from ..validate import RuleConfig
from ..validate.outcome import REPORT, validate_into
from .aggregate import aggregate_membership
from .ids import DEFAULT_MIN_COUNTRIES, DEFAULT_THRESHOLD, ICCS_FLOW, PART, SDG_FLOW
from .population import population as population_table
from .sdg import derive_sdg, lineage

MEMBERSHIP = "membership.csv"
#: derived observations follow the national releases (whose deletions had their own consent), and an
#: aggregate comes and goes with its coverage: the derivation may lose up to 5% of its observations
#: (``revision.deleted_share``, recorded in the manifest's run); more is held back
DELETIONS = {"revision.deleted_share": {"max_share": 0.05}}


def _others(store: Path, agency: str, key: list[str]) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """What other parts of the latest SDG release hold (national sources), and this part's previous observations."""
    prev = latest(store, agency, SDG_FLOW)
    if prev is None:
        return pd.DataFrame(columns=key), None
    held = other_parts(prev, PART).drop(columns="_part")
    mine = read_frame(prev, PART)
    return (held if len(held) else pd.DataFrame(columns=key)), (mine if not mine.empty else None)


def _rates_by_source(national: pd.DataFrame, table: pd.DataFrame) -> dict[str, int]:
    """How many computed rates (rule 16.1.1-rate) divide by each population table."""
    rates = national.loc[national["COMMENT_OBS"].str.startswith("Derived by rule 16.1.1-rate:"),
                         ["REF_AREA", "TIME_PERIOD"]]
    used = rates.merge(table, on=["REF_AREA", "TIME_PERIOD"], how="inner")["SOURCE"].value_counts()
    return {str(k): int(v) for k, v in used.items()}


def publish_regional(store: Path, *, threshold: float = DEFAULT_THRESHOLD,
                     min_countries: int = DEFAULT_MIN_COUNTRIES, impute: bool = False,
                     population: Path | None = None) -> dict[str, Any]:
    """Derive national and regional SDG 16 series from the latest ICCS release and publish them.

    ``population`` (a file, see :func:`.population.read_population`) divides the rates and weighs the
    regions where it has a value; the bundled World Bank table does elsewhere.

    Returns the release id, whether it is new, counts of national/regional/withheld observations,
    and the source release. Raises :class:`NotFound` without an ICCS release and
    :class:`ValidationFailed` when the derived data break the SDG DSD or its constraints.
    """
    store = Path(store)
    registry = load_registry()
    iccs_flow, sdg_flow = registry.flow(ICCS_FLOW), registry.flow(SDG_FLOW)
    agency = iccs_flow.dataflow.ref.agency
    source = latest(store, agency, ICCS_FLOW)
    if source is None:
        raise NotFound(f"no release of {iccs_flow.dataflow.ref} in the store", where=str(store),
                       fix="publish national ICCS data first: a national DAG, or `sdmx-publish run` on a country's "
                           "spec (e.g. countries/kor/homicide.yaml)")
    lineage_text = f"{iccs_flow.dataflow.ref} release {source.id}"
    table, population_info = population_table(population)
    national = derive_sdg(read_frame(source), table, source=lineage_text)
    key = [*sdg_flow.dsd.dimension_ids, sdg_flow.dsd.time_dimension]
    held, previous = _others(store, agency, key)
    clash = national[key].merge(held[key].drop_duplicates().assign(__held=True), on=key,
                                how="left")["__held"].eq(True).to_numpy()
    # the regions add up what is published nationally: the country's own values where it reports them
    theirs = held[held["SERIES"].isin(national["SERIES"].unique()) & held["REPORTING_TYPE"].eq("N")]
    regional, coverage, members = aggregate_membership(
        pd.concat([national[~clash], theirs], ignore_index=True), table, threshold=threshold,
        min_countries=min_countries, impute=impute, source=f"the national values of {sdg_flow.dataflow.ref}")
    frame = pd.concat([national[~clash], regional], ignore_index=True)
    work = store / ".work" / PART
    work.mkdir(parents=True, exist_ok=True)
    report, summary = validate_into(work, frame, sdg_flow, previous=previous, population=population_for(sdg_flow),
                                    config=RuleConfig.from_dict({"rules": DELETIONS}),
                                    where=f"SDG series derived from {lineage_text}")
    published = coverage[coverage["published"]]
    derivation = {"source_release": {"dataflow": str(iccs_flow.dataflow.ref), "release_id": source.id},
                  "rules": lineage(national), "threshold": threshold, "min_countries": min_countries,
                  "impute": impute, "membership": f"attachments/{PART}/{MEMBERSHIP}",
                  "population": {**population_info, "rates_by_source": _rates_by_source(national, table)},
                  "withheld_national": int(clash.sum()),
                  "coverage": json.loads(coverage.to_json(orient="records"))}
    members.to_csv(work / MEMBERSHIP, index=False, float_format="%.15g")
    release, new = publish(report.data, sdg_flow, registry, store=store, part=PART, validation=summary,
                           part_files={MEMBERSHIP: (work / MEMBERSHIP, "aggregate-membership-csv", "text/csv")},
                           report_file=work / REPORT, run={"by": "derive.regional", "deletions_allowed_by": f"derivation: {DELETIONS}"},
                           sources=[{"release": source.id, "dataflow": str(iccs_flow.dataflow.ref)}],
                           extra={"derivation": derivation, "outcomes": summary["outcomes"]})
    return {"release_id": release.id, "new": new, "dataflow": sdg_flow.id, "source_release": source.id,
            "path": str(release.path), "membership": str(release.path / derivation["membership"]),
            "population": derivation["population"],
            "national": int((~clash).sum()), "withheld_national": int(clash.sum()), "regional": len(regional),
            "regional_withheld": int((~coverage["published"]).sum()), "regions": sorted(published["REF_AREA"].unique())}
