"""The area maps of the national examples: each subnational code is the ISO 3166-2 code of the name the
source table uses (dsd/sources/ISO_3166-2_*.csv, from pycountry), besides the country's own M49 code."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import EXAMPLES, ROOT


@pytest.mark.parametrize(("example", "name_column", "iso", "country", "n"), [
    ("mx_inegi_envipe/maps/entidades.csv", "Entidad federativa", "MX", "484", 32),
    ("us_bjs_cv22luss1719/maps/states.csv", "State", "US", "840", 22),
    ("de_bka_pks_2023/maps/laender.csv", "Bundesland", "DE", "276", 16),
], ids=["MX", "US", "DE"])
def test_area_codes_are_the_iso_3166_2_codes_of_their_names(example, name_column, iso, country, n):
    areas = pd.read_csv(EXAMPLES / example, dtype=str)
    names = pd.read_csv(ROOT / "dsd" / "sources" / f"ISO_3166-2_{iso}.csv", dtype=str).set_index("code")["name"]
    named = areas[areas["REF_AREA"] != country]
    assert len(named) == n and (named["REF_AREA"].map(names) == named[name_column]).all()
