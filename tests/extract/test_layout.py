"""Report tables read by ``source.layout``: header groups, label paths, column choice, merged XLSX
headers, glued footnote markers, and a clear error when the header does not match ``header_rows``."""

from __future__ import annotations

import io

import openpyxl
import openpyxl.styles
import openpyxl.styles.colors
import pytest
import yaml

from sdmx_publish.errors import InputError, SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform

#: a report table: a title, two header rows with a group repeated (2022, 2023) and a marker column,
#: labels over two indent columns, footnote markers glued to labels and header cells
REPORT = """Crimes recorded,,,,,,
,,2022,,2023,,
Offence,,Number,Rate/a,Number,,Rate/a
Violent crime/b,,"1,200",12.5,"1,300",p,13.1
,Robbery,400,4.1,420,,4.2
,Assault1,800,8.4,880,,8.9
Property crime,,"5,000",52.0,"4,900",,51.0
a/ per 100 000.,,,,,,
"""


def read(tmp_path, content: str | bytes, *, name: str = "table.csv", **source) -> object:
    (tmp_path / name).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    spec = {"dataflow": "DF_ICCS", "source": {"path": name, **source}, "columns": {"OBS_VALUE": "x"}}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return extract(load_spec(tmp_path / "spec.yaml"))


LAYOUT = {"labels": {"columns": [1, 2], "name": "Offence"}, "footnotes": ["/[a-z]", r"(?<=[^\W\d])\d+"]}


def test_header_groups_stay_apart_and_labels_become_paths(tmp_path):
    frame = read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout=LAYOUT)
    assert [c for c in frame.columns if not c.startswith("_")] == [
        "Offence", "2022 / Number", "2022 / Rate", "2023 / Number", "column 6", "2023 / Rate"]
    rows = frame.set_index("Offence")
    assert list(rows.index[:4]) == ["Violent crime", "Violent crime / Robbery", "Violent crime / Assault",
                                    "Property crime"]
    assert rows.loc["Violent crime / Assault", "2023 / Rate"] == "8.9"
    assert rows.loc["Violent crime", "column 6"] == "p"  # the marker column keeps its cells, under its position
    assert list(frame["_row"][:2]) == [4, 5]
    removed = frame.attrs["sources"][0]["layout"]["footnotes_removed"]
    assert {(f["line"], f["column"], f["text"], f["marker"]) for f in removed} == {
        (3, "4 (D)", "Rate/a", "/a"), (3, "7 (G)", "Rate/a", "/a"), (4, "1 (A)", "Violent crime/b", "/b"),
        (6, "2 (B)", "Assault1", "1")}


def test_columns_dropped_kept_and_renamed_by_position_and_pattern(tmp_path):
    layout = {**LAYOUT, "drop": [r"column \d+"], "rename": {3: "n22", ".*2023 / Rate": "r23"}}
    frame = read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout=layout)
    assert [c for c in frame.columns if not c.startswith("_")] == ["Offence", "n22", "2022 / Rate", "2023 / Number",
                                                                   "r23"]
    assert frame.attrs["sources"][0]["layout"]["dropped"] == ["6 (F)"]
    kept = read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout={**LAYOUT, "keep": [r"\d{4} / Number"]})
    assert [c for c in kept.columns if not c.startswith("_")] == ["Offence", "2022 / Number", "2023 / Number"]
    with pytest.raises(InputError, match=r"keep: no column matches '2024 / Number'") as e:
        read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout={**LAYOUT, "keep": ["2024 / Number"]})
    assert "2022 / Number" in str(e.value)  # the message lists the keys there are
    with pytest.raises(InputError, match="drop: column 9 does not exist; the table has 7 columns"):
        read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout={**LAYOUT, "drop": [9]})


def test_xlsx_merged_three_level_header_with_spacers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "3.1"
    ws["A1"] = "Delitos por entidad federativa"
    ws["A3"], ws["B3"], ws["D3"] = "Entidad federativa", "Delitos ocurridos1, 2", "Denuncia"
    ws["D4"], ws["G4"] = "Sí", "No especificado3"
    ws["D5"], ws["E5"], ws["G5"], ws["H5"] = "Absolutos", "Relativos", "Absolutos", "Relativos"
    for cells in ("A3:A5", "B3:B5", "D3:H3", "D4:E4", "G4:H4"):
        ws.merge_cells(cells)
    ws.append(["Estados Unidos Mexicanos", 31283689, None, 3261194, 10.42, None, 222513, 6.82])
    ws.append(["Durango", 240624, None, 32520, 13.51, None, "0*", "0.0*"])
    ws["E7"].fill = openpyxl.styles.PatternFill("solid", fgColor="FFFFEA00")  # precision marked by colour
    ws["E6"].fill = openpyxl.styles.PatternFill("solid", fgColor=openpyxl.styles.colors.Color(theme=4))
    buf = io.BytesIO()
    wb.save(buf)
    layout = {"labels": {"columns": [1], "name": "Entidad"}, "footnotes": [r"(?<=[^\W\d])\d+(, ?\d+)*"]}
    frame = read(tmp_path, buf.getvalue(), name="t.xlsx", format="xlsx", sheet="3.1", skip_rows=2, header_rows=3,
                 layout=layout)
    assert [c for c in frame.columns if not c.startswith("_")] == [
        "Entidad", "Delitos ocurridos", "column 3", "Denuncia / Sí / Absolutos", "Denuncia / Sí / Relativos",
        "column 6", "Denuncia / No especificado / Absolutos", "Denuncia / No especificado / Relativos"]
    durango = frame.set_index("Entidad").loc["Durango"]
    assert durango["Denuncia / No especificado / Relativos"] == "0.0*" and durango["_row"] == 7
    removed = frame.attrs["sources"][0]["layout"]["footnotes_removed"]
    assert [(f["line"], f["column"], f["marker"]) for f in removed] == [(3, "2 (B)", "1, 2"), (4, "7 (G)", "3")]
    coloured = read(tmp_path, buf.getvalue(), name="t.xlsx", format="xlsx", sheet="3.1", skip_rows=2, header_rows=3,
                    layout={**layout, "keep": ["Denuncia / Sí / Relativos"], "cell_fills": True})
    assert list(coloured.columns[:3]) == ["Entidad", "Denuncia / Sí / Relativos", "Denuncia / Sí / Relativos (fill)"]
    assert coloured["Denuncia / Sí / Relativos (fill)"].tolist() == ["theme 4", "FFFFEA00"]


def test_a_header_with_fewer_rows_than_declared_names_the_number_in_it(tmp_path):
    with pytest.raises(InputError) as e:
        read(tmp_path, REPORT, skip_rows=1, header_rows=3, layout=LAYOUT)
    assert "table.csv: line 4, column 3 (C): header cell '1,200' is a number, so the header has fewer rows than " \
           "source.header_rows: 3" in str(e.value) and "fix: lower source.header_rows" in str(e.value)


def test_a_header_with_more_rows_than_declared_names_the_line_of_header_words(tmp_path):
    with pytest.raises(InputError) as e:
        read(tmp_path, REPORT, skip_rows=1, header_rows=1, layout=LAYOUT)
    assert "table.csv: line 3 looks like one more header row ('Number', 'Number' under '2022', '2023')" in str(e.value)
    assert "fix: set source.header_rows: 2" in str(e.value)


def test_a_blank_header_row_names_the_line(tmp_path):
    text = REPORT.replace("Crimes recorded,,,,,,\n", "Crimes recorded,,,,,,\n,,,,,,\n")
    with pytest.raises(InputError, match="line 2 is blank, but source.header_rows says the header has 3 rows from "
                                         "line 2") as e:
        read(tmp_path, text, skip_rows=1, header_rows=3, layout=LAYOUT)
    assert "set source.skip_rows to the number of lines above the first header row" in str(e.value)


def test_two_columns_with_one_key_are_named_with_the_fix(tmp_path):
    text = "Offence,Number,Number\nRobbery,1,2\n"
    with pytest.raises(InputError, match=r"columns 2 \(B\) and 3 \(C\) have the same key 'Number'") as e:
        read(tmp_path, text, layout={"labels": {"columns": [1]}})
    assert "source.layout.drop: [3]" in str(e.value)
    frame = read(tmp_path, text, layout={"labels": {"columns": [1]}, "rename": {3: "Number 2"}})
    assert list(frame.columns[:3]) == ["label", "Number", "Number 2"]


def test_cell_fills_are_refused_for_csv(tmp_path):
    with pytest.raises(SpecError, match="`layout.cell_fills` reads the cell colours of an xlsx sheet"):
        read(tmp_path, REPORT, skip_rows=1, header_rows=2, layout={**LAYOUT, "cell_fills": True})


def test_layout_is_refused_for_sources_that_are_not_tables(tmp_path):
    spec = {"dataflow": "DF_ICCS", "source": {"format": "sql", "query": "select 1", "connection": "sqlite://",
                                              "layout": {"labels": {"columns": [1]}}}}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    with pytest.raises(SpecError, match="`layout` reads report tables in csv or xlsx files"):
        load_spec(tmp_path / "spec.yaml")


def test_measures_in_columns_become_series_by_reshape_and_map(tmp_path, sdg_flow):
    """A report table with one column per measure (here Statistics Canada's 16.3.1, 2014 and 2019): the
    columns become rows of SERIES (``reshape.into``), whose labels a map turns into the series' codes."""
    (tmp_path / "table.csv").write_text("Year,Physical assault,Robbery,Sexual assault\n2014,38,45,5\n2019,36,47,6\n")
    (tmp_path / "series.csv").write_text("measure,SERIES,note\nPhysical assault,VC_PRR_PHYV,\nRobbery,VC_PRR_ROBB,\n"
                                         "Sexual assault,VC_PRR_SEXV,\n")
    dims = {d: "_T" for d in ("SEX", "AGE", "URBANISATION", "INCOME_WEALTH_QUANTILE", "EDUCATION_LEV", "OCCUPATION",
                              "CUST_BREAKDOWN", "COMPOSITE_BREAKDOWN", "DISABILITY_STATUS", "ACTIVITY", "PRODUCT")}
    spec = {"dataflow": "DF_SDG_16_CRIME", "source": {"path": "table.csv"},
            "reshape": {"id_columns": ["Year"], "into": "SERIES", "value_columns_matching": "[A-Z].*"},
            "columns": {"TIME_PERIOD": "Year"},
            "constants": {"FREQ": "A", "REPORTING_TYPE": "N", "REF_AREA": "124", "UNIT_MEASURE": "PT", **dims},
            "maps": [{"file": "series.csv", "from": "SERIES", "to": "SERIES", "key_columns": ["measure"]}]}
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    loaded = load_spec(tmp_path / "spec.yaml")
    frame, _ = transform(extract(loaded), loaded, sdg_flow)
    got = frame.set_index(["SERIES", "TIME_PERIOD"])["OBS_VALUE"]
    assert got[("VC_PRR_ROBB", "2019")] == 47 and got[("VC_PRR_SEXV", "2014")] == 5 and len(got) == 6


def test_a_first_row_of_missing_markers_is_data_not_a_header(tmp_path):
    text = "Offence,2022,2023\nHomicide,..,NA\nRobbery,400,420\n"
    frame = read(tmp_path, text, layout={"labels": {"columns": [1]}})
    assert frame["2023"].tolist() == ["NA", "420"]
