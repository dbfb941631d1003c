"""The UNODC homicide example: the export's Sex "Unknown" rows are dropped, and the spec's reason for it
says only what the source shows (their meaning is not documented; they are not the age-unknown victims of
a sex: AZE 2016's 81 in the Female block is more than the female total, 71)."""

from __future__ import annotations

import pandas as pd

from sdmx_publish.spec import load_spec
from tests.conftest import EXAMPLES

UNODC = EXAMPLES / "unodc"


def test_unknown_sex_rows_dropped_for_a_reason_the_source_bears_out():
    spec = load_spec(UNODC / "homicide.yaml")
    assert spec.filter.drop["Sex"] == ["Unknown"]
    data = pd.read_csv(UNODC / spec.source.path, dtype=str)
    data.index += 2  # the file's line numbers (header on line 1)
    aze = data[(data["Iso3_code"] == "AZE") & (data["Year"] == "2016") & (data["Dimension"] == "Total")
               & (data["Age"] == "Total") & (data["Unit of measurement"] == "Counts")
               & (data["Indicator"] == "Victims of intentional homicide")]
    value = aze.set_index("Sex")["VALUE"]
    assert list(aze.loc[aze["Sex"] == "Unknown"].index) == [3503, 5986]
    assert aze.loc[[3503, 3517, 5986, 6000, 446], ["Sex", "VALUE"]].values.tolist() == [
        ["Unknown", "81"], ["Female", "71"], ["Unknown", "114"], ["Male", "98"], ["Total", "169"]]
    assert int(value["Female"]) < 81 and int(value["Total"]) < 81 + 114  # neither age- nor sex-unknown victims
    text = (UNODC / "homicide.yaml").read_text(encoding="utf-8")
    assert "age-unknown counts\n    # of each sex" not in text and "mislabelled" not in text
    assert "is not documented in the source" in text
