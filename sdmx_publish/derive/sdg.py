"""SDG 16 series in the global SDG DSD 1.14, derived from ICCS observation frames.

Rules (one :class:`Rule` each, so that every derived value names the rule it came from):

- 16.1.1 ``VC_IHR_PSRCN``: victims of intentional homicide (``INDICATOR=VICTIMS``, ``ICCS=0101``), counts;
  ``VC_IHR_PSRC``: victims per 100,000 population as the source reports them (``PER_100000_POP``, e.g.
  UNODC's rates, by sex too), and otherwise the count per 100,000 of the population table (the bundled
  World Bank table, or a given one), for totals only (the table has no sex or age breakdown).
- 16.2.2 ``VC_HTF_DETV*``: detected victims of trafficking in persons, ICCS 0204 and its four groups.
- 16.3.2 ``VC_PRS_UNSNTN``: persons held unsentenced; ``VC_PRS_UNSNT``: unsentenced as a percentage of
  all persons held (``PRISONERS``), matched on area, year, sex and age.

Only observations with no ICCS disaggregation (``CYBER``, ``VIC_PERP_REL``, ``SIT_CONTEXT`` all ``_T``)
are used: the SDG DSD has no such breakdowns. Lineage: ``SOURCE_DETAIL`` keeps the ICCS observation's
own source (e.g. UNODC's "NSO"), ``COMMENT_OBS`` names the rule and the source release;
:func:`lineage` gives the same for the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .. import config
from ..errors import InputError

#: The 15 dimensions of IAEG-SDGs:SDG(1.14), in key order.
SDG_DIMENSIONS = ["FREQ", "REPORTING_TYPE", "SERIES", "REF_AREA", "SEX", "AGE", "URBANISATION",
                  "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN",
                  "DISABILITY_STATUS", "ACTIVITY", "PRODUCT"]
#: SDG breakdowns that ICCS data never carry: always ``_T``.
SDG_TOTALS = ["URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION", "CUST_BREAKDOWN",
              "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT"]
SDG_COLUMNS = [*SDG_DIMENSIONS, "TIME_PERIOD", "OBS_VALUE", "OBS_STATUS", "UNIT_MULT", "UNIT_MEASURE", "NATURE",
               "SOURCE_DETAIL", "COMMENT_OBS"]
ICCS_TOTALS = ["CYBER", "VIC_PERP_REL", "SIT_CONTEXT"]
PER = 100_000


@dataclass(frozen=True)
class Rule:
    """One derivation: which ICCS observations feed which SDG series, in which unit, and how."""

    id: str
    series: str
    unit: str
    nature: str
    text: str


RULES = {r.id: r for r in (
    Rule("16.1.1-count", "VC_IHR_PSRCN", "NUMBER", "C", "victims of intentional homicide (ICCS 0101), as reported"),
    Rule("16.1.1-rate-reported", "VC_IHR_PSRC", "PER_100000_POP", "C",
         "victims of intentional homicide (ICCS 0101) per 100,000 population, as reported"),
    Rule("16.1.1-rate", "VC_IHR_PSRC", "PER_100000_POP", "CA",
         "victims of intentional homicide (ICCS 0101) / population x 100,000"),
    Rule("16.2.2-count", "VC_HTF_DETV", "NUMBER", "C",
         "detected victims of trafficking in persons (ICCS 0204 and its groups 02041-02044), as reported"),
    Rule("16.3.2-count", "VC_PRS_UNSNTN", "NUMBER", "C", "persons held unsentenced, as reported"),
    Rule("16.3.2-share", "VC_PRS_UNSNT", "PT", "CA", "persons held unsentenced / all persons held x 100"),
)}
#: ICCS trafficking code -> SDG 16.2.2 series (ICCS 02041 sexual exploitation, 02042 forced labour or
#: services, 02043 organ removal, 02044 other purposes)
TRAFFICKING = {"0204": "VC_HTF_DETV", "02041": "VC_HTF_DETVSX", "02042": "VC_HTF_DETVFL",
               "02043": "VC_HTF_DETVOG", "02044": "VC_HTF_DETVOP"}
NEEDED = ["REF_AREA", "INDICATOR", "ICCS", "SEX", "AGE", "UNIT_MEASURE", "TIME_PERIOD", "OBS_VALUE"]


@lru_cache(maxsize=1)
def age_to_sdg() -> dict[str, str]:
    """Correspondence of the ICCS DSD's CL_AGE_ICCS to IAEG-SDGs CL_AGE 1.12 for the codes that differ:
    the extra bands with their SDG code (empty: none, e.g. Y30T44); every other code is the same."""
    table = pd.read_csv(config.ROOT / "dsd" / "sources" / "CL_AGE_ICCS_extra.csv", dtype=str, keep_default_na=False)
    return dict(zip(table["code"], table["sdg_age"]))


def _usable(iccs: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in NEEDED if c not in iccs.columns]
    if missing:
        raise InputError(f"not an ICCS observation frame: missing column(s) {missing}",
                         fix="pass a frame of the ICCS dataflow (e.g. read_frame of a DF_ICCS release)")
    keep = iccs["UNIT_MEASURE"].isin(["NUMBER", "PER_100000_POP"]) & iccs["OBS_VALUE"].notna()
    for c in ICCS_TOTALS:
        if c in iccs.columns:
            keep &= iccs[c].eq("_T")
    out = iccs.loc[keep, [c for c in iccs.columns if not c.startswith("_")]].copy()
    # age bands of CL_AGE_ICCS that IAEG-SDGs CL_AGE lacks (e.g. 30-44) have no SDG series: left out
    out["AGE"] = out["AGE"].replace(age_to_sdg())
    out = out[out["AGE"].ne("")]
    out["OBS_VALUE"] = out["OBS_VALUE"].astype("float64")
    if "OBS_STATUS" not in out.columns:
        out["OBS_STATUS"] = "A"
    out["OBS_STATUS"] = out["OBS_STATUS"].replace("", "A").fillna("A")
    return out


def _sdg(rows: pd.DataFrame, rule: Rule, source: str, series: pd.Series | str | None = None,
         note: pd.Series | str = "") -> pd.DataFrame:
    """ICCS rows (REF_AREA, SEX, AGE, TIME_PERIOD, OBS_VALUE, OBS_STATUS) as SDG observations of ``rule``."""
    out = pd.DataFrame({"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": rule.series if series is None else series,
                        "REF_AREA": rows["REF_AREA"], "SEX": rows["SEX"], "AGE": rows["AGE"]}, index=rows.index)
    for c in SDG_TOTALS:
        out[c] = "_T"
    out["TIME_PERIOD"] = rows["TIME_PERIOD"]
    out["OBS_VALUE"] = rows["OBS_VALUE"].to_numpy(dtype="float64")
    out["OBS_STATUS"] = rows["OBS_STATUS"]
    out["UNIT_MULT"] = "0"
    out["UNIT_MEASURE"] = rule.unit
    out["NATURE"] = rule.nature
    own = rows["SOURCE_DETAIL"] if "SOURCE_DETAIL" in rows.columns else pd.Series("", index=rows.index)
    out["SOURCE_DETAIL"] = own.fillna("").astype(str).replace("", source)
    out["COMMENT_OBS"] = f"Derived by rule {rule.id}: {rule.text}" + note + f" (from {source})"
    return out[SDG_COLUMNS]


def homicide(iccs: pd.DataFrame, population: pd.DataFrame, source: str, *, reported_rates: bool = True) -> pd.DataFrame:
    """16.1.1: counts of every sex/age; rates as reported (``reported_rates``) and, for the totals
    without one, per 100,000 of ``population``."""
    v = iccs[iccs["INDICATOR"].eq("VICTIMS") & iccs["ICCS"].eq("0101")]
    counts = _sdg(v[v["UNIT_MEASURE"].eq("NUMBER")], RULES["16.1.1-count"], source)
    reported = v[v["UNIT_MEASURE"].eq("PER_100000_POP")] if reported_rates else v.iloc[:0]
    tot = v[v["UNIT_MEASURE"].eq("NUMBER") & v["SEX"].eq("_T") & v["AGE"].eq("_T")]
    tot = tot.merge(population, on=["REF_AREA", "TIME_PERIOD"], how="inner")
    tot = tot[tot["POPULATION"] > 0]
    key = ["REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    tot = tot[~tot.set_index(key).index.isin(reported.set_index(key).index)]
    tot["OBS_VALUE"] = tot["OBS_VALUE"] / tot["POPULATION"] * PER
    whose = ", population: " + tot["SOURCE"] if "SOURCE" in tot.columns else ""  # whose population divides
    rates = _sdg(tot, RULES["16.1.1-rate"], source, note=whose)
    return pd.concat([counts, _sdg(reported, RULES["16.1.1-rate-reported"], source), rates], ignore_index=True)


def trafficking(iccs: pd.DataFrame, source: str) -> pd.DataFrame:
    """16.2.2: detected victims of trafficking in persons, in total and by form of exploitation."""
    v = iccs[iccs["INDICATOR"].eq("VICTIMS") & iccs["ICCS"].isin(list(TRAFFICKING)) & iccs["UNIT_MEASURE"].eq("NUMBER")]
    return _sdg(v, RULES["16.2.2-count"], source, series=v["ICCS"].map(TRAFFICKING))


def unsentenced(iccs: pd.DataFrame, source: str) -> pd.DataFrame:
    """16.3.2: unsentenced detainees, as a number and as a percentage of all persons held."""
    key = ["REF_AREA", "SEX", "AGE", "TIME_PERIOD"]
    counts = iccs[iccs["UNIT_MEASURE"].eq("NUMBER") & iccs["ICCS"].eq("_T")]
    uns = counts[counts["INDICATOR"].eq("PRISONERS_UNSENTENCED")]
    held = counts[counts["INDICATOR"].eq("PRISONERS")][[*key, "OBS_VALUE"]]
    share = uns.merge(held.rename(columns={"OBS_VALUE": "__held"}), on=key, how="inner")
    share = share[share["__held"] > 0]
    share["OBS_VALUE"] = share["OBS_VALUE"] / share.pop("__held") * 100
    return pd.concat([_sdg(uns, RULES["16.3.2-count"], source), _sdg(share, RULES["16.3.2-share"], source)],
                     ignore_index=True)


def derive_sdg(iccs: pd.DataFrame, population: pd.DataFrame, *, source: str,
               reported_rates: bool = True) -> pd.DataFrame:
    """Every SDG 16 series the rules allow, as an observation frame of ``DF_SDG_16_CRIME`` (national).

    ``population``: ``REF_AREA``, ``TIME_PERIOD``, ``POPULATION`` and optionally ``SOURCE``, named in
    each rate's comment (e.g. :func:`sdmx_publish.derive.population.population`);
    ``source``: the lineage text (e.g. ``CCJS:DF_ICCS(1.0) release <id>``), in ``COMMENT_OBS`` and in
    ``SOURCE_DETAIL`` where the ICCS observation names no source of its own; ``reported_rates``: take
    the rates the ICCS data report before deriving any.
    """
    usable = _usable(iccs)
    out = pd.concat([homicide(usable, population, source, reported_rates=reported_rates),
                     trafficking(usable, source), unsentenced(usable, source)], ignore_index=True)
    out = out[np.isfinite(out["OBS_VALUE"].to_numpy())]
    return out.sort_values(["SERIES", "REF_AREA", "SEX", "AGE", "TIME_PERIOD"], kind="stable").reset_index(drop=True)


def lineage(frame: pd.DataFrame) -> list[dict]:
    """Per rule: its series, text and how many values it produced (for the manifest)."""
    if frame.empty:
        return []
    parsed = frame["COMMENT_OBS"].str.extract(r"^Derived by rule (?P<rule>\S+): (?P<text>.*) \(from .*\)$")
    counts = parsed["rule"].value_counts()
    texts = parsed.drop_duplicates().groupby("rule")["text"].agg(lambda t: " | ".join(sorted(t)))
    return [{"rule": rid, "series": RULES[rid].series if rid != "16.2.2-count" else sorted(TRAFFICKING.values()),
             "unit": RULES[rid].unit, "nature": RULES[rid].nature, "text": texts[rid],
             "observations": int(counts[rid])} for rid in sorted(counts.index)]
