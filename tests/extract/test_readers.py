"""Readers on real-world shapes of national tables, and on a corpus of bad inputs.

Each bad input must give an InputError naming the file (and line where there is one) with a fix,
never another exception.
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sdmx_publish.errors import InputError, PublishError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform

from .helpers import TABLE, spec_dict, write_case


def run(tmp_path, content, flow, **kw):
    spec = load_spec(write_case(tmp_path, content, **kw))
    return transform(extract(spec), spec, flow)


def test_reads_thousands_separators_and_missing_markers(tmp_path, iccs_flow):
    frame, report = run(tmp_path, TABLE, iccs_flow, thousands=",")
    kor = frame.set_index(["REF_AREA", "SEX"])["OBS_VALUE"]
    assert kor[("410", "_T")] == 1234.0
    jpn = frame[frame.REF_AREA == "392"].iloc[0]
    # a marker with no declared reason is O, "missing value" (M, "data cannot exist", was wrong for it)
    assert pd.isna(jpn.OBS_VALUE) and jpn.OBS_STATUS == "O"
    assert report.missing_values == 1
    assert list(frame["_row"]) == [2, 3, 4, 5]


@pytest.mark.parametrize("encoding", ["cp949", "cp1252", "utf-8-sig"])
def test_encodings(tmp_path, iccs_flow, encoding):
    text = TABLE.replace("Country", "Country") + ""
    # a non-ASCII national label in the spec's NAT_CATEGORY column proves the decoding
    label = {"cp949": "살인", "cp1252": "Homicídio", "utf-8-sig": "살인 기수"}[encoding]
    text = text.replace("Value\n", "Value,Label\n").replace("\nKOR,Total,2021,\"1,234\"", f"\nKOR,Total,2021,\"1,234\",{label}")
    spec = spec_dict("table.csv", encoding=encoding, thousands=",")
    spec["columns"]["NAT_CATEGORY"] = "Label"
    frame, _ = run(tmp_path, text, iccs_flow, encoding=encoding, spec=spec)
    assert label in set(frame["NAT_CATEGORY"])


def test_wrong_encoding_names_line_and_fix(tmp_path, iccs_flow):
    text = TABLE.replace("JPN,Total", "JPN,Total").replace("Value\n", "Value\n") + "KOR,Male,2020,살인\n"
    with pytest.raises(InputError) as e:
        run(tmp_path, text, iccs_flow, encoding="cp949", spec=spec_dict("table.csv", encoding="utf-8"))
    assert "line 6" in str(e.value) and "cp949" in str(e.value) and "table.csv" in str(e.value)


def test_header_not_on_line_one_and_years_as_columns(tmp_path, iccs_flow):
    text = ("범죄 통계 (단위: 건)\n\nCountry,Sex,2011 년,2012 년\nKOR,Total,100,110\nKOR,Male,60,-\n"
            "※ 자료: 경찰청\n")
    spec = spec_dict("table.csv", skip_rows=2)
    spec["columns"] = {}
    spec["reshape"] = {"id_columns": ["Country", "Sex"], "into": "TIME_PERIOD",
                       "value_columns_matching": r"\d{4} 년", "label_pattern": r"(\d{4})"}
    spec["filter"] = {"drop_matching": {"Country": "^※"}}
    frame, report = run(tmp_path, text, iccs_flow, spec=spec)
    assert sorted(frame.TIME_PERIOD.unique()) == ["2011", "2012"]
    assert len(frame) == 4 and report.rows_filtered == 1
    assert frame.loc[frame._column == "2012 년", "_row"].tolist() == [4, 5]
    assert frame.OBS_VALUE.isna().sum() == 1


def test_mixed_line_endings_and_bom(tmp_path, iccs_flow):
    text = "\ufeff" + TABLE.replace("\n", "\r\n", 2)
    frame, _ = run(tmp_path, text, iccs_flow, thousands=",")
    assert len(frame) == 4


def test_footnote_markers_nan_inf(tmp_path, iccs_flow):
    text = "Country,Sex,Year,Value\nKOR,Total,2021,123 p\nKOR,Male,2021,45*\nKOR,Female,2021,inf\nJPN,Total,2021,NaN\n"
    frame, _ = run(tmp_path, text, iccs_flow)
    values = frame.set_index(["REF_AREA", "SEX"])["OBS_VALUE"]
    assert values[("410", "_T")] == 123 and values[("410", "M")] == 45
    assert pd.isna(values[("410", "F")]) and pd.isna(values[("392", "_T")])
    assert set(frame["_value_raw"]) >= {"inf", "NaN"}  # kept for the validation report
    assert frame.set_index(["REF_AREA", "SEX"])["_marker"][("410", "_T")] == "p"  # listed by value.marker_removed


def test_spaces_are_removed_only_between_groups_of_three_digits(tmp_path, iccs_flow):
    text = "Country,Sex,Year,Value\nKOR,Total,2021,12 345\nKOR,Male,2021,1\u00a0234\u202f567\nKOR,Female,2021,4 9\n"
    frame, _ = run(tmp_path, text, iccs_flow)
    values = frame.set_index("SEX")["OBS_VALUE"]
    assert values["_T"] == 12345 and values["M"] == 1234567
    assert pd.isna(values["F"]) and frame.set_index("SEX")["_unparsed"]["F"]  # "4 9" is not 49


def test_xlsx_with_sheet(tmp_path, iccs_flow):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    for row in [["Table 1"], [], ["Country", "Sex", "Year", "Value"], ["KOR", "Total", 2021, 5]]:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    frame, _ = run(tmp_path, buf.getvalue(), iccs_flow, name="t.xlsx",
                   spec=spec_dict("t.xlsx", format="xlsx", sheet="data", skip_rows=2))
    assert frame.OBS_VALUE.tolist() == [5.0] and frame._row.tolist() == [4]


def test_sql_source(tmp_path, iccs_flow):
    import sqlite3

    db = tmp_path / "cj.db"
    with sqlite3.connect(db) as con:
        con.execute("create table t (Country text, Sex text, Year int, Value real)")
        con.execute("insert into t values ('KOR', 'Male', 2020, 10), ('KOR', 'Female', 2020, 12)")
    spec = spec_dict("x")
    spec["source"] = {"format": "sql", "connection": f"sqlite:///{db}", "query": "select * from t"}
    frame, _ = run(tmp_path, "", iccs_flow, spec=spec)
    assert sorted(frame.OBS_VALUE) == [10.0, 12.0]


BAD = {
    "empty": (b"", "empty"),
    "header only": (b"Country,Sex,Year,Value\n", "no data rows"),
    "binary junk": (bytes(range(256)) * 4, "binary"),
    "duplicated column names": (b"Country,Sex,Year,Value,Value\nKOR,Total,2021,1,2\n", "duplicated column name 'Value'"),
    "missing column": (b"Country,Gender,Year,Value\nKOR,Total,2021,1\n", "missing column(s) ['Sex']"),
    "ragged rows": (b"Country,Sex,Year,Value\nKOR,Total,2021,1,2,3,4\n", "not a readable CSV"),
}


@pytest.mark.parametrize("name", BAD)
def test_bad_inputs_give_clear_errors(tmp_path, iccs_flow, name):
    content, expected = BAD[name]
    with pytest.raises(InputError) as e:
        run(tmp_path, content, iccs_flow)
    assert expected in str(e.value)
    assert "fix:" in str(e.value) and "table.csv" in str(e.value)


def test_truncated_xlsx(tmp_path, iccs_flow):
    wb = openpyxl.Workbook()
    wb.active.append(["Country", "Sex", "Year", "Value"])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(InputError, match="not a readable Excel workbook"):
        run(tmp_path, buf.getvalue()[:300], iccs_flow, name="t.xlsx", spec=spec_dict("t.xlsx", format="xlsx"))


def test_extra_columns_are_ignored(tmp_path, iccs_flow):
    frame, _ = run(tmp_path, TABLE.replace("Value\n", "Value,Remark\n").replace("534\n", "534,ok\n"), iccs_flow,
                   thousands=",")
    assert "Remark" not in frame.columns and len(frame) == 4


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: t.encode("utf-8")))
def test_no_input_crashes_the_reader(tmp_path, iccs_flow, content):
    try:
        run(tmp_path, content, iccs_flow)
    except PublishError:
        pass


@pytest.mark.parametrize("title", ["Table 1: victims of homicide", "Table 1: victims of homicide,", "Table 1\n"])
def test_title_row_above_the_header_names_the_line_and_skip_rows(tmp_path, iccs_flow, title):
    with pytest.raises(InputError) as e:
        run(tmp_path, f"{title}\n{TABLE}", iccs_flow, spec=spec_dict("table.csv", skip_rows=0))
    msg = str(e.value)
    header = 3 if title.endswith("\n") else 2
    assert "table.csv: not a readable CSV table: " in msg.splitlines()[0]
    assert f"line {header} has 4 fields" in msg and "line 1 (the first line read)" in msg
    assert "a title or note above the header? set source.skip_rows (or header_rows)" in msg
    assert f"source.skip_rows: {header - 1}" in msg
    assert "Error tokenizing" not in msg


@pytest.mark.parametrize("blank", [",,,", " , ,,"])
def test_an_empty_line_below_the_title_is_not_taken_for_the_header(tmp_path, iccs_flow, blank):
    """Title on line 1, an empty line of separators (",,,") on line 2, the header on line 3: skip_rows: 2."""
    with pytest.raises(InputError) as e:
        run(tmp_path, f"Table 1: victims of homicide\n{blank}\n{TABLE}", iccs_flow,
            spec=spec_dict("table.csv", skip_rows=0))
    msg = str(e.value)
    assert "line 2 has 4 fields (all of them empty), but line 1 (the first line read) has only 1" in msg
    assert "if line 3 is the header: source.skip_rows: 2" in msg and "skip_rows: 1" not in msg


def test_row_with_extra_fields_names_its_line(tmp_path, iccs_flow):
    text = TABLE + "KOR,Total,2022,1,234\n"  # unquoted thousands separator
    with pytest.raises(InputError) as e:
        run(tmp_path, "Note,,,\n" + text, iccs_flow, spec=spec_dict("table.csv", skip_rows=1))
    msg = str(e.value)
    assert "line 7 has 5 fields, but line 2 (the first line read after source.skip_rows) has only 4" in msg
    assert "check source.delimiter, quote values that contain ','" in msg and "title" not in msg


def korean_spec(encoding: str) -> dict:
    spec = spec_dict("table.csv", encoding=encoding)
    spec["columns"] = {"TIME_PERIOD": "연도", "OBS_VALUE": "값"}
    spec["maps"][0]["from"] = "국가"
    spec["maps"][1].update({"from": "성별", "key_columns": ["Sex"]})
    return spec


def test_wrong_single_byte_encoding_suggests_checking_it(tmp_path, iccs_flow):
    # CP949 bytes all decode as cp1252, into mojibake, so only the missing columns show it
    content = "국가,성별,연도,값\nKOR,계,2021,1\n".encode("cp949")
    with pytest.raises(InputError) as e:
        run(tmp_path, content, iccs_flow, spec=korean_spec("cp1252"))
    msg = str(e.value)
    assert "missing column(s)" in msg and "'¼ºº°'" in msg
    assert "looks mis-decoded ('±¹°¡' read as cp1252 is '국가' in cp949): check source.encoding (e.g. cp949)" in msg


def test_utf8_read_as_cp1252_suggests_checking_the_encoding(tmp_path, iccs_flow):
    spec = spec_dict("table.csv", encoding="cp1252")
    spec["columns"]["OBS_VALUE"] = "Valeur"
    with pytest.raises(InputError) as e:
        run(tmp_path, TABLE.replace("Value", "Valeur").replace("Country", "Région"), iccs_flow, spec=spec)
    assert "'RÃ©gion'" in str(e.value) and "check source.encoding" in str(e.value)


def test_non_ascii_names_missing_suggest_checking_the_encoding(tmp_path, iccs_flow):
    with pytest.raises(InputError) as e:
        run(tmp_path, TABLE, iccs_flow, spec=korean_spec("utf-8"))
    assert "expected names are not ASCII: check source.encoding" in str(e.value)


THAI = "Country,Sex,Year,Value\nKOR,รวม,2021,301\nKOR,ชาย,2021,147\nKOR,หญิง,2021,154\n"


def thai_spec(tmp_path, encoding: str) -> dict:
    """A Thai office's table: its sex labels mapped by a map in Thai."""
    (tmp_path / "sex_th.csv").write_text("Sex,SEX,note\nรวม,_T,\nชาย,M,\nหญิง,F,\n", encoding="utf-8")
    spec = spec_dict("table.csv", encoding=encoding)
    spec["maps"][1] = {"file": "sex_th.csv", "from": "Sex", "to": "SEX"}
    return spec


@pytest.mark.parametrize("codec", ["cp874", "tis-620", "utf-16"])
def test_a_table_in_any_text_encoding_is_read(tmp_path, iccs_flow, codec):
    frame, report = run(tmp_path, THAI.encode(codec), iccs_flow, spec=thai_spec(tmp_path, codec))
    assert sorted(frame["SEX"]) == ["F", "M", "_T"] and not report.unmapped


def test_thai_read_as_cp1252_says_to_check_the_encoding_not_to_map_the_garbled_text(tmp_path, iccs_flow):
    """cp874 bytes all decode as cp1252 (no error); the labels then match no map row, and the finding says
    that the text looks decoded with the wrong encoding, naming the one that reads it."""
    frame, report = run(tmp_path, THAI.encode("cp874"), iccs_flow, spec=thai_spec(tmp_path, "cp1252"))
    (total, *_) = report.unmapped
    assert total["value"] == ["ÃÇÁ"] and total["encoding"] == (
        "check source.encoding (the text looks decoded with the wrong encoding: 'ÃÇÁ' read as cp1252 is 'รวม' in cp874 or 'ГЗБ' "
        "in cp1251)")  # three letters read plausibly in two encodings: both are named, the likelier first
    from sdmx_publish.validate import validate
    found = validate(frame, iccs_flow, unmapped=report.unmapped, rules=["map.unmapped"]).findings
    assert found["message"].str.contains("match no row of sex_th.csv; check source.encoding").all()
    assert not run(tmp_path, TABLE, iccs_flow, thousands=",")[1].unmapped  # nothing to say on a right encoding


def test_a_thai_header_read_as_cp1252_names_the_encoding(tmp_path, iccs_flow):
    spec = thai_spec(tmp_path, "cp1252")
    spec["columns"]["TIME_PERIOD"] = "ปี"  # year
    with pytest.raises(InputError) as e:
        run(tmp_path, THAI.replace("Year", "ปี").encode("cp874"), iccs_flow, spec=spec)
    assert "missing column(s) ['ปี']" in str(e.value)
    assert "('»Õ' read as cp1252 is 'ปี' in cp874): check source.encoding (e.g. cp874)" in e.value.fix


def test_a_file_that_does_not_decode_names_the_byte_the_line_and_encodings_to_try(tmp_path, iccs_flow):
    with pytest.raises(InputError) as e:
        run(tmp_path, THAI.encode("cp874"), iccs_flow, spec=thai_spec(tmp_path, "utf-8"))
    assert "byte b'\\xc3' at line 2 is not valid utf-8" in str(e.value) and "cp874 (Thai)" in e.value.fix


def test_ascii_missing_column_does_not_blame_the_encoding(tmp_path, iccs_flow):
    with pytest.raises(InputError) as e:
        run(tmp_path, TABLE.replace("Sex", "Gender"), iccs_flow)
    assert "missing column(s) ['Sex']" in str(e.value) and "encoding" not in str(e.value)


def test_a_csv_is_read_into_categoricals_with_its_cells_as_text(tmp_path):
    """A column of repeated cells is a categorical, a column of (nearly) all distinct cells text; a short
    row's and a blank line's cells are empty, the header's names not among the categories; the rows are
    numbered by their line."""
    rows = "".join(f"KOR,Total,{2000 + i % 3},{i}\n" for i in range(12))
    text = "Country,Sex,Year,Value\n" + rows + "\nKOR, Male ,2021\nJPN,Total,2021,..\n"
    frame = extract(load_spec(write_case(tmp_path, text)))
    cols = ["Country", "Sex", "Year", "Value"]
    assert [isinstance(frame[c].dtype, pd.CategoricalDtype) for c in [*cols, "_source"]] == [True] * 3 + [False, True]
    assert frame[cols].astype(str).values.tolist()[-3:] == [["KOR", "Total", "2002", "11"],
                                                            ["KOR", " Male ", "2021", ""], ["JPN", "Total", "2021", ".."]]
    assert list(frame["_row"])[-3:] == [13, 15, 16]
    assert "Country" not in frame["Country"].cat.categories and "" not in frame["Country"].cat.categories
    assert list(frame["Year"].cat.categories) == ["2000", "2001", "2002", "2021"]


@pytest.mark.parametrize("lines", [3, 450])  # a short file is split whole, a long one cut at its ends
def test_a_last_line_cut_short_names_its_line(tmp_path, iccs_flow, lines):
    body = "".join(f"KOR,Total,{1000 + i},{i}\n" for i in range(lines))
    with pytest.raises(InputError) as e:
        run(tmp_path, "Country,Sex,Year,Value\n" + body + "KOR,To\n", iccs_flow)
    assert f"the last line (line {lines + 2}) has 2 fields, the lines above it have 4" in str(e.value)
    assert "table.csv" in str(e.value)
