"""Fixtures: real flows (the global SDG DSD 1.14; a small ICCS flow with real ICCS v1.0 codes)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from sdmx_publish import config
from sdmx_publish.structure.model import (
    Attribute,
    Code,
    Codelist,
    ContentConstraint,
    Dataflow,
    DataStructure,
    Dimension,
    Flow,
    Ref,
)
from sdmx_publish.structure.read import Registry

SDG_DSD = Path(config.ROOT, "dsd", "IAEG-SDGs_SDG_1.14.xml")
ICCS_CSV = Path(config.reference_dir(), "iccs", "iccs_v1.csv")
SDG16 = Path(config.reference_dir(), "sdg", "sdg16_series_from_CL_SERIES_1.14.csv")


@pytest.fixture(scope="session")
def sdg_registry() -> Registry:
    reg = Registry()
    reg.add_file(SDG_DSD)
    return reg


@pytest.fixture(scope="session")
def sdg_flow(sdg_registry: Registry) -> Flow:
    """A dataflow on the real SDG DSD 1.14, constrained to the (non-retired) SDG 16 series."""
    dsd = sdg_registry.dsds[Ref(agency="IAEG-SDGs", id="SDG", version="1.14")]
    ref = Ref(agency="CCJS", id="DF_SDG16_TEST", version="1.0")
    series = pd.read_csv(SDG16, dtype=str, keep_default_na=False)
    allowed = frozenset(series.loc[series["retired_note"] == "", "series"])
    cc = ContentConstraint(ref=Ref(agency="CCJS", id="CC_SDG16_TEST", version="1.0"), name="SDG 16",
                           attached_to=ref, include={"SERIES": allowed})
    cls = {c.id: sdg_registry.codelists[c.codelist] for c in (*dsd.dimensions, *dsd.attributes) if c.codelist}
    return Flow(dataflow=Dataflow(ref=ref, name="SDG 16 test", structure=dsd.ref), dsd=dsd, codelists=cls,
                constraints=(cc,))


def _iccs_codelist() -> Codelist:
    table = pd.read_csv(ICCS_CSV, dtype=str, keep_default_na=False)
    codes = {"_T": Code(id="_T", name="All offences")}
    codes.update({r.code: Code(id=r.code, name=r.name, parent=r.parent or None) for r in table.itertuples()})
    return Codelist(ref=Ref(agency="CCJS", id="CL_ICCS", version="1.0"), name="ICCS", codes=codes)


@pytest.fixture(scope="session")
def iccs_flow(sdg_registry: Registry) -> Flow:
    """A small ICCS flow: FREQ, REF_AREA, ICCS, SEX, AGE, UNIT_MEASURE; codelists reused from SDG 1.14."""
    sdg = sdg_registry.dsds[Ref(agency="IAEG-SDGs", id="SDG", version="1.14")]
    cl_of = {c.id: c.codelist for c in (*sdg.dimensions, *sdg.attributes)}
    iccs = _iccs_codelist()
    dims = tuple(Dimension(id=d, position=i + 1, codelist=iccs.ref if d == "ICCS" else cl_of[d], concept=d)
                 for i, d in enumerate(["FREQ", "REF_AREA", "ICCS", "SEX", "AGE", "UNIT_MEASURE"]))
    attrs = (Attribute(id="OBS_STATUS", mandatory=True, attachment="observation", codelist=cl_of["OBS_STATUS"],
                       concept="OBS_STATUS"),
             Attribute(id="UNIT_MULT", mandatory=False, attachment="observation", codelist=cl_of["UNIT_MULT"],
                       concept="UNIT_MULT"),
             Attribute(id="COMMENT_OBS", mandatory=False, attachment="observation", codelist=None,
                       concept="COMMENT_OBS"))
    ref = Ref(agency="CCJS", id="ICCS_TEST", version="1.0")
    dsd = DataStructure(ref=ref, name="ICCS test", dimensions=dims, time_dimension="TIME_PERIOD", attributes=attrs)
    cls = {d.id: sdg_registry.codelists[d.codelist] for d in (*dims, *attrs) if d.codelist and d.id != "ICCS"}
    cls["ICCS"] = iccs
    flow_ref = Ref(agency="CCJS", id="DF_ICCS_TEST", version="1.0")
    return Flow(dataflow=Dataflow(ref=flow_ref, name="ICCS test", structure=ref), dsd=dsd, codelists=cls)


def iccs_frame(rows: list[dict], **defaults: object) -> pd.DataFrame:
    """An observation frame for ``iccs_flow``: each row overrides the defaults (Korea, 2020, homicide)."""
    base = {"FREQ": "A", "REF_AREA": "410", "ICCS": "0101", "SEX": "_T", "AGE": "_T", "UNIT_MEASURE": "NUMBER",
            "TIME_PERIOD": "2020", "OBS_VALUE": 100.0, "OBS_STATUS": "A", "_source": "test.csv", "_column": "VALUE"}
    base.update(defaults)
    out = pd.DataFrame([{**base, **r} for r in rows])
    out["_row"] = range(2, len(out) + 2)
    out["OBS_VALUE"] = out["OBS_VALUE"].astype("float64")
    return out


def sdg_frame(rows: list[dict], **defaults: object) -> pd.DataFrame:
    """An observation frame for ``sdg_flow`` (homicide count for Korea, every other dimension _T)."""
    base = {"FREQ": "A", "REPORTING_TYPE": "N", "SERIES": "VC_IHR_PSRCN", "REF_AREA": "410", "SEX": "_T",
            "AGE": "_T", "URBANISATION": "_T", "INCOME_WEALTH_QUANTILE": "_T", "EDUCATION_LEV": "_T",
            "OCCUPATION": "_T", "CUST_BREAKDOWN": "_T", "COMPOSITE_BREAKDOWN": "_T", "DISABILITY_STATUS": "_T",
            "ACTIVITY": "_T", "PRODUCT": "_T", "TIME_PERIOD": "2020", "OBS_VALUE": 300.0, "OBS_STATUS": "A",
            "UNIT_MULT": "0", "UNIT_MEASURE": "NUMBER", "_source": "sdg.csv", "_column": "Value"}
    base.update(defaults)
    out = pd.DataFrame([{**base, **r} for r in rows])
    out["_row"] = range(2, len(out) + 2)
    out["OBS_VALUE"] = out["OBS_VALUE"].astype("float64")
    return out
