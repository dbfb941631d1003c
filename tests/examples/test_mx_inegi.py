"""The INEGI example: ENVIPE 2024 table 3.1 read from the XLSX as published (merged three-level header,
spacer columns, glued footnote numbers, precision as cell colour), crimes reported to the Public Prosecutor
by state; checked against cells picked by hand from the sheet."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml

from sdmx_publish.errors import InputError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from tests.conftest import EXAMPLES
from tests.examples import publish

MX = EXAMPLES / "mx_inegi_envipe"
SPEC = MX / "reported_by_state.yaml"
#: sheet 3.1, column D "Delitos denunciados / Absolutos": (row, state, value, fill)
CELLS = [(11, "Estados Unidos Mexicanos", "3261194", ""), (20, "Ciudad de México", "433773", ""),
         (21, "Durango", "32520", ""), (23, "Guerrero", "21260", "FFFFEA00")]


def read_sheet(tmp_path, header_rows: int = 3, **layout) -> pd.DataFrame:
    """Sheet 3.1 read by the example spec's instructions (``header_rows``, ``layout`` keys overridden)."""
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    spec["source"] = {**spec["source"], "path": str(MX / spec["source"]["path"]), "header_rows": header_rows,
                      "layout": {**spec["source"]["layout"], **layout}}
    spec["maps"] = [{**m, "file": str(MX / m["file"])} for m in spec["maps"]]
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return extract(load_spec(tmp_path / "spec.yaml"))


@pytest.mark.slow  # each opens the workbook twice (values, then merged cells and fills): over a second
def test_three_level_merged_header_read_as_published(tmp_path):
    frame = read_sheet(tmp_path, keep=None, cell_fills=False)
    keys = [c for c in frame.columns if not c.startswith("_")]
    assert keys[:9] == ["Entidad federativa", "Delitos ocurridos", "column 3", "Delitos denunciados / Absolutos",
                        "Delitos denunciados / Relativos", "column 6",
                        "Inició una carpeta de investigación / Sí / Absolutos",
                        "Inició una carpeta de investigación / Sí / Relativos", "column 9"]
    assert "Inició una carpeta de investigación / No especificado / Relativos" in keys
    durango = frame.set_index("Entidad federativa").loc["Durango"]
    assert durango["Inició una carpeta de investigación / No especificado / Relativos"] == "0.0*"
    removed = frame.attrs["sources"][0]["layout"]["footnotes_removed"]
    assert [(f["line"], f["column"], f["text"], f["marker"]) for f in removed] == [
        (7, "2 (B)", "Delitos ocurridos1, 2", "1, 2"), (8, "13 (M)", "No especificado3", "3")]


@pytest.mark.slow
def test_kept_column_with_its_precision_colour(tmp_path):
    frame = read_sheet(tmp_path).set_index("_row")
    assert list(frame.columns[:3]) == ["Entidad federativa", "Delitos denunciados / Absolutos",
                                       "Delitos denunciados / Absolutos (fill)"]
    for row, state, value, fill in CELLS:
        assert frame.loc[row, ["Entidad federativa", "Delitos denunciados / Absolutos",
                               "Delitos denunciados / Absolutos (fill)"]].tolist() == [state, value, fill]


@pytest.mark.slow
def test_two_header_rows_declared_for_three_names_the_line(tmp_path):
    with pytest.raises(InputError) as e:
        read_sheet(tmp_path, header_rows=2, keep=None)
    assert "III_denuncia_delito_2024_est.xlsx: line 9 looks like one more header row ('Absolutos'" in str(e.value)
    assert "set source.header_rows: 3" in str(e.value)


@pytest.mark.slow
def test_published_counts_are_the_sheet_cells_with_their_precision(tmp_path):
    store = tmp_path / "store"
    result, _, frame = publish(SPEC, store)
    assert result["observations"] == 33 and result["validation"]["errors"] == 0
    frame = frame.set_index("REF_AREA")
    codes = pd.read_csv(MX / "maps" / "entidades.csv", dtype=str).set_index("Entidad federativa")["REF_AREA"]
    for _, state, value, fill in CELLS:
        row = frame.loc[codes[state]]
        # D, definition differs: survey estimates of the ENVIPE list of crimes under the key of recorded offences
        assert row["OBS_VALUE"] == float(value) and row["OBS_STATUS"] == "D"
        assert row["COMMENT_OBS"].endswith("Precision moderate (CV 15% to 30%)." if fill else
                                           "Precision high (CV under 15%).")
    assert frame["OBS_STATUS"].eq("D").all()
    assert frame["COMMENT_OBS"].str.contains("not police-recorded offences, and not all offences").all()
    assert frame["COMMENT_OBS"].str.contains("moderate").sum() == 11  # the yellow cells of column D
    assert set(frame["TIME_PERIOD"]) == {"2023"} and set(frame["ICCS"]) == {"_T"}
    # the 32 states add up exactly to the national figure (the crimes with no state are not in this column)
    assert frame.drop(index="484")["OBS_VALUE"].sum() == frame.loc["484", "OBS_VALUE"] == 3261194


def test_national_note_says_the_states_add_up_in_the_published_column():
    """Sheet 3.1's "Nota 3" (19,364 crimes with no state in the national figures) shows in "Delitos ocurridos"
    only: the map's note must not say the published national figure includes them."""
    note = pd.read_csv(MX / "maps" / "entidades.csv", dtype=str).set_index("REF_AREA").loc["484", "note"]
    assert "includes crimes whose state was not specified" not in note
    assert "32 states add up exactly to the national 3,261,194" in note and "Delitos ocurridos only" in note
