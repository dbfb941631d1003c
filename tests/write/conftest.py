"""Frames on the real global SDG DSD (dataflow CCJS:DF_SDG_16_CRIME) and our ICCS DSD (DF_ICCS).

Every code comes from the real codelists in ``dsd/``; free-text attributes carry Korean text and
XML/CSV special characters so that escaping and round-trips are exercised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sdmx_publish.structure import Flow, load_registry

SDG_FIXED = {"FREQ": "A", "REPORTING_TYPE": "N", "AGE": "_T", "URBANISATION": "_T",
             "INCOME_WEALTH_QUANTILE": "_T", "EDUCATION_LEV": "_T", "OCCUPATION": "_T",
             "CUST_BREAKDOWN": "_T", "COMPOSITE_BREAKDOWN": "_T", "DISABILITY_STATUS": "_T",
             "ACTIVITY": "_T", "PRODUCT": "_T"}
#: SDG 16 series with their real units (from the global SDG content constraints)
SDG_SERIES = {"VC_IHR_PSRC": "PER_100000_POP", "VC_IHR_PSRCN": "NUMBER"}
TRICKY = ['살인 기수 <&> "인용" \'작은\'', "a,b;\"c\"", " leading space", "줄\n바꿈\ttab"]


@pytest.fixture(scope="session")
def sdg_flow() -> Flow:
    return load_registry().flow("DF_SDG_16_CRIME")


@pytest.fixture(scope="session")
def iccs_flow() -> Flow:
    return load_registry().flow("DF_ICCS")


def sdg_frame(n_years: int = 3) -> pd.DataFrame:
    """Korea, Japan and World; both sexes split; values, a missing value with OBS_STATUS=M,
    observation comments in Korean with special characters, series-level comment and units."""
    rows = []
    years = [str(2015 + i) for i in range(n_years)]
    k = 0
    for series, unit in SDG_SERIES.items():
        for area in ("410", "392", "1"):
            for sex in ("_T", "F", "M"):
                for y in years:
                    k += 1
                    missing = area == "1" and sex == "F" and y == years[-1]
                    rows.append({**SDG_FIXED, "SERIES": series, "REF_AREA": area, "SEX": sex, "TIME_PERIOD": y,
                                 "OBS_VALUE": np.nan if missing else round(0.1 * k + 0.07, 3) if unit != "NUMBER" else float(k * 11),
                                 "OBS_STATUS": "M" if missing else ("E" if k % 5 == 0 else "A"),
                                 "UNIT_MULT": "0", "UNIT_MEASURE": unit,
                                 "COMMENT_OBS": TRICKY[k % len(TRICKY)] if k % 3 == 0 else None,
                                 "NATURE": "C" if k % 2 else "E",
                                 "COMMENT_TS": f"{series} {area}: 한국어 주석 & <note>" if area == "410" else "",
                                 "_source": "test.csv", "_row": k})
    return pd.DataFrame(rows)


@pytest.fixture
def sdg_df() -> pd.DataFrame:
    return sdg_frame()


def iccs_frame(flow: Flow, n_years: int = 2) -> pd.DataFrame:
    """A small ICCS frame: real ICCS codes, the first codes of every other codelist."""
    dims = flow.dsd.dimension_ids
    first = {d: next(iter(flow.allowed(d) and sorted(flow.allowed(d)) or flow.codelists[d].codes)) for d in dims}
    first["FREQ"] = "A"
    iccs = sorted(flow.codelists["ICCS"].codes)[:4]
    areas = [a for a in ("410", "392") if a in flow.codelists["REF_AREA"].codes]
    rows = []
    for i, code in enumerate(iccs):
        for area in areas:
            for y in range(n_years):
                rows.append({**first, "ICCS": code, "REF_AREA": area, "TIME_PERIOD": str(2020 + y),
                             "OBS_VALUE": float(i * 10 + y), "OBS_STATUS": "A", "COMMENT_OBS": TRICKY[(i + y) % 4]})
    return pd.DataFrame(rows)


# -- comparing what a reader got back with the frame -----------------------------------------------
Record = tuple[float | None, dict[str, str]]


def _present(v: object) -> bool:
    return v is not None and v == v and v != ""  # not None, not NaN, not ""


def expected_records(frame: pd.DataFrame, flow: Flow) -> dict[tuple[str, ...], Record]:
    """Key (dimension codes in DSD order, then time) -> (value or None, attributes given)."""
    dims = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    attrs = [a for a in flow.dsd.attribute_ids if a in frame.columns]
    out = {}
    for row in frame.to_dict("records"):
        v = row.get(flow.dsd.primary_measure)
        out[tuple(str(row[d]) for d in dims)] = (
            float(v) if _present(v) else None, {a: str(row[a]) for a in attrs if _present(row[a])})
    return out


def sdmx1_records(ds, flow: Flow) -> dict[tuple[str, ...], Record]:
    """The same from an sdmx1 DataSet (observation, series and group attributes combined)."""
    dims = [*flow.dsd.dimension_ids, flow.dsd.time_dimension]
    out = {}
    for o in ds.obs:
        key = {k: str(v.value) for k, v in o.key.values.items()}
        v = o.value
        attrs = {k: str(a.value) for k, a in o.attrib.items() if _present(str(a.value))}
        out[tuple(key[d] for d in dims)] = (float(v) if _present(v) else None, attrs)
    return out
