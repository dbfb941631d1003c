"""The ISO 3166-2 subdivision codes added to CL_AREA_SUBNAT are pycountry's, unchanged (no code made up)."""

from __future__ import annotations

import pandas as pd
import pycountry
import pytest

from sdmx_publish import config
from sdmx_publish.structure import load_registry
from sdmx_publish.structure.build import SUBDIVISIONS

#: country -> (M49 parent, subdivision types kept)
KEPT = {"KR": ("410", None), "CL": ("152", None), "US": ("840", {"State", "District"}), "MX": ("484", None),
        "DE": ("276", None)}


@pytest.mark.parametrize("name", SUBDIVISIONS)
def test_subdivision_file_agrees_with_pycountry_and_is_in_the_codelist(name):
    country = name.removesuffix(".csv").rsplit("_", 1)[1]
    parent, types = KEPT[country]
    ours = pd.read_csv(config.ROOT / "dsd" / "sources" / name, dtype=str)
    iso = {s.code: s.name for s in pycountry.subdivisions.get(country_code=country) if not types or s.type in types}
    assert dict(zip(ours["code"], ours["name"])) == iso and set(ours["parent"]) == {parent}
    codes = load_registry().flow("DF_ICCS_SUBNAT").codelists["REF_AREA"].codes
    assert {codes[c].parent for c in iso} == {parent}
