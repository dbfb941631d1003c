"""Spec files that are wrong fail before any data is read, naming the file, the key and the fix."""

from __future__ import annotations

import pytest
import yaml

from sdmx_publish.errors import SpecError
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import check_spec

from ..extract.helpers import TABLE, spec_dict, write_case


def write(tmp_path, spec: dict):
    return write_case(tmp_path, TABLE, spec=spec)


def test_unknown_key_is_named(tmp_path):
    spec = spec_dict("table.csv")
    spec["source"]["encodng"] = "utf-8"
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert "spec.yaml" in msg and "source.encodng" in msg and "unknown key" in msg


def test_unsupported_encoding(tmp_path):
    with pytest.raises(SpecError, match="unknown encoding 'klingon': not a codec Python knows") as e:
        load_spec(write(tmp_path, spec_dict("table.csv", encoding="klingon")))
    assert "source.encoding" in str(e.value) and "cp874 (Thai)" in e.value.fix
    for codec in ("base64", "rot13", "zlib"):
        with pytest.raises(SpecError, match=f"'{codec}' is not a text encoding"):
            load_spec(write(tmp_path, spec_dict("table.csv", encoding=codec)))


@pytest.mark.parametrize("codec", ["cp874", "TIS-620", "cp1251", "koi8-r", "cp1256", "shift_jis", "cp932", "utf-16"])
def test_any_text_encoding_python_knows_is_accepted(tmp_path, codec):
    assert load_spec(write(tmp_path, spec_dict("table.csv", encoding=codec))).source.encoding == codec.lower()


def test_missing_source_and_map_files(tmp_path):
    spec = spec_dict("nope.csv")
    with pytest.raises(SpecError, match="source file 'nope.csv' not found"):
        load_spec(write(tmp_path, spec))
    spec = spec_dict("table.csv")
    spec["maps"][1]["file"] = "maps/missing.csv"
    with pytest.raises(SpecError, match=r"maps\[1\].file"):
        load_spec(write(tmp_path, spec))


@pytest.mark.parametrize("table, message", [
    ("Gender,SEX\nTotal,_T\n", r"lacks column\(s\) \['Sex'\]"),  # a map without its columns
    ("Sex,SEX,note\nMale,M,\nMale,F,oops\n", "more than one target"),  # two targets for one value
], ids=["without_its_columns", "two_targets_for_one_value"])
def test_bad_map_table(tmp_path, table, message):
    (tmp_path / "m.csv").write_text(table)
    spec = spec_dict("table.csv")
    spec["maps"][1]["file"] = "m.csv"
    with pytest.raises(SpecError, match=message):
        load_spec(write(tmp_path, spec))


def test_component_typo_suggests_the_right_one(tmp_path, iccs_flow):
    spec = spec_dict("table.csv")
    spec["constants"]["UNIT_MEASUR"] = spec["constants"].pop("UNIT_MEASURE")
    with pytest.raises(SpecError) as e:
        check_spec(load_spec(write(tmp_path, spec)), iccs_flow)
    assert "UNIT_MEASUR" in str(e.value) and "did you mean 'UNIT_MEASURE'" in str(e.value)


def test_dimension_without_value(tmp_path, iccs_flow):
    spec = spec_dict("table.csv")
    del spec["constants"]["CYBER"]
    with pytest.raises(SpecError, match="dimension 'CYBER'"):
        check_spec(load_spec(write(tmp_path, spec)), iccs_flow)


def test_not_yaml(tmp_path):
    p = tmp_path / "spec.yaml"
    p.write_text("dataflow: [unclosed\n")
    with pytest.raises(SpecError, match="not valid YAML"):
        load_spec(p)


@pytest.mark.parametrize("spec", sorted((__import__("pathlib").Path(__file__).parents[2] / "examples").glob("*/*.yaml")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_bundled_specs_are_valid(spec, registry):
    s = load_spec(spec)
    check_spec(s, registry.flow(s.dataflow))
    assert yaml.safe_load(spec.read_text())["dataflow"] == s.dataflow


def wide_spec(**reshape) -> dict:
    spec = spec_dict("table.csv")
    spec["columns"] = {}
    spec["reshape"] = {"id_columns": ["Country", "Sex"], "into": "TIME_PERIOD", **reshape}
    return spec


@pytest.mark.parametrize(("key", "spec"), [
    ("reshape.value_columns_matching", wide_spec(value_columns_matching=r"^(\d{4}")),
    ("reshape.label_pattern", wide_spec(label_pattern=r"(\d{4}")),
    ("filter.drop_matching.Sex", {**spec_dict("table.csv"), "filter": {"drop_matching": {"Sex": "^(Note:"}}}),
])
def test_bad_regex_names_the_key_and_the_regex(tmp_path, key, spec):
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert f"key `{key}`" in msg and "invalid regular expression" in msg and "missing )" in msg
    assert "(\\d{4}" in msg or "^(Note:" in msg  # the regex as written, not repr-escaped
    assert "fix: correct the regular expression" in msg


def test_held_back_rows_need_their_reason(tmp_path):
    spec = {**spec_dict("table.csv"), "filter": {"drop_rows": [3, {"rows": [4, 5]}]}}
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    assert "key `filter.drop_rows`: item 2 of `drop_rows` has no `rows` or no `reason`" in str(e.value)
    assert "fix: write {rows: [line numbers], reason: why they are held back}" in str(e.value)
    spec["filter"]["drop_rows"][1]["reason"] = "a typing error in the source"
    assert load_spec(write(tmp_path, spec)).filter.dropped_lines() == {3: "", 4: "a typing error in the source",
                                                                         5: "a typing error in the source"}


@pytest.mark.parametrize(("pattern", "groups"), [(r"\d{4}", 0), (r"(\d{2})(\d{2})", 2)])
def test_label_pattern_needs_exactly_one_group(tmp_path, pattern, groups):
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, wide_spec(label_pattern=pattern)))
    assert "reshape.label_pattern" in str(e.value) and f"has {groups} capture groups" in str(e.value)
    assert "(?:...)" in str(e.value)


def test_label_pattern_with_one_group_and_a_non_capturing_group(tmp_path):
    spec = load_spec(write(tmp_path, wide_spec(label_pattern=r"(?:FY)?(\d{4})")))
    assert spec.reshape.label_pattern == r"(?:FY)?(\d{4})"


def test_obs_value_column_with_reshape_is_an_error(tmp_path):
    spec = wide_spec(value_columns_matching=r"\d{4}")
    spec["columns"] = {"OBS_VALUE": "Wert"}
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert "key `columns.OBS_VALUE`" in msg and "'Wert' is never used" in msg and "remove `columns.OBS_VALUE`" in msg


@pytest.mark.parametrize(("where", "key"), [("columns", "columns.NAT_CATEGORY"), ("maps", "maps.1.from")])
def test_columns_the_reshape_drops_are_an_error(tmp_path, where, key):
    spec = wide_spec(value_columns_matching=r"\d{4}")
    if where == "columns":
        spec["columns"] = {"NAT_CATEGORY": "Label"}
    else:
        spec["maps"][1]["from"] = "Label"
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert f"key `{key}`" in msg and "'Label' is not kept by the reshape" in msg
    assert "add 'Label' to reshape.id_columns" in msg


def test_columns_kept_by_the_reshape_are_fine(tmp_path):
    spec = wide_spec(value_columns_matching=r"\d{4}")
    spec["columns"] = {"NAT_CATEGORY": "Sex", "TIME_PERIOD": "TIME_PERIOD"}
    assert load_spec(write(tmp_path, spec)).columns["NAT_CATEGORY"] == "Sex"


def test_misspelt_key_in_a_map_is_named_with_a_suggestion(tmp_path):
    spec = spec_dict("table.csv")
    spec["maps"][1]["form"] = spec["maps"][1].pop("from")
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert "key `maps.1.form` is not allowed" in msg and "unknown key" in msg
    assert "did you mean `maps.1.from`?" in msg


@pytest.mark.parametrize(("where", "typo", "meant"), [
    ((), "dataflw", "dataflow"),
    (("source",), "encodng", "encoding"),
    (("filter",), "drop_matchng", "drop_matching"),
])
def test_misspelt_keys_get_a_suggestion(tmp_path, where, typo, meant):
    spec = {**spec_dict("table.csv"), "filter": {}}
    node = spec
    for part in where:
        node = node[part]
    node[typo] = node.pop(meant, {})
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    key = ".".join([*where, meant])
    assert f"did you mean `{key}`?" in str(e.value)


def test_unknown_key_without_a_close_match_lists_the_allowed_keys(tmp_path):
    spec = spec_dict("table.csv")
    spec["maps"][0]["xyz"] = 1
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    assert "key `maps.0.xyz` is not allowed" in str(e.value) and "allowed here are file, from, to" in str(e.value)


def test_a_delimiter_of_several_characters_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="delimiter ';;' is not one character") as e:
        load_spec(write(tmp_path, spec_dict("table.csv", delimiter=";;")))
    assert "source.delimiter" in e.value.message() and "tab" in e.value.message()


@pytest.mark.parametrize(("block", "key", "what"), [
    ({"rules": {"total.sum_mismatc": {}}}, "validation.rules", "unknown rule 'total.sum_mismatc'"),
    ({"rules": {"series.outlier": {"threshhold": 3}}}, "validation.rules", "unknown parameter 'threshhold'"),
    ({"sources": {"a.csv": {"series.gap": {"severity": "fatal"}}}}, "validation.sources.a.csv", "'fatal' is not one of"),
    ({"rulez": {}}, "validation", "unknown keys ['rulez']"),
])
def test_validation_block_is_checked_when_the_spec_is_loaded(tmp_path, block, key, what):
    spec = spec_dict("table.csv")
    spec["validation"] = block
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    msg = str(e.value)
    assert "spec.yaml" in msg and f"key `{key}`" in msg and what in msg and "fix:" in msg


def test_the_former_classify_block_says_what_replaced_it(tmp_path):
    spec = spec_dict("table.csv")
    spec["classify"] = {"categories": ["Sex"]}
    with pytest.raises(SpecError) as e:
        load_spec(write(tmp_path, spec))
    assert "classify" in str(e.value) and "correspondence engine" in str(e.value)
    assert "examples/knpa/crime_by_region.yaml" in e.value.fix


def test_missing_where_periods_are_checked_when_the_spec_is_loaded(tmp_path):
    spec = spec_dict("table.csv")
    spec["source"]["missing_where"] = [{"values": ["0"], "start": "twenty-eleven"}]
    with pytest.raises(SpecError, match=r"source.missing_where.0.start.*'twenty-eleven' is not an SDMX time period"):
        load_spec(write(tmp_path, spec))
