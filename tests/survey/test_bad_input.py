"""Bad survey input: a clear error naming the file, the variable and the fix; exit 2; nothing published."""

from __future__ import annotations

import pandas as pd
import pyreadstat
import pytest
import yaml

from sdmx_publish.cli import main

from .helpers import TOY, refused, toy_spec


def with_row(change: dict) -> pd.DataFrame:
    frame = pd.read_csv(TOY)
    for col, value in change.items():
        frame[col] = frame[col].astype(object if isinstance(value, str) else float)
        frame.loc[4, col] = value
    return frame


@pytest.mark.parametrize("value, what", [(-3.0, "negative"), (float("nan"), "missing or non-numeric")])
def test_a_weight_that_is_negative_or_missing(tmp_path, capsys, value, what):
    err = refused(toy_spec(tmp_path, data=with_row({"w": value})), tmp_path / "store", capsys)
    assert "toy.sav: w" in err and what in err and "data row 5" in err and "fix:" in err


def test_a_stratum_variable_missing_from_the_file(tmp_path, capsys):
    err = refused(toy_spec(tmp_path, data=pd.read_csv(TOY).drop(columns="stratum")), tmp_path / "store", capsys)
    assert "toy.sav" in err and "'stratum'" in err and "not in the file" in err and "survey block" in err


def test_a_numerator_code_not_in_the_labels(tmp_path, capsys):
    err = refused(toy_spec(tmp_path, estimate={"numerator": {"variable": "answer", "codes": [3, 5]}}),
              tmp_path / "store", capsys)
    assert "toy.sav: answer" in err and "numerator names code(s) ['5']" in err and "'Very safe'" in err
    assert "fix: correct survey.estimates[safe].numerator" in err


def test_an_empty_denominator_in_a_breakdown_cell(tmp_path, capsys):
    frame = pd.read_csv(TOY)
    frame.loc[frame["sex"].eq(1), "answer"] = 85  # no man rated his safety
    err = refused(toy_spec(tmp_path, data=frame), tmp_path / "store", capsys)
    assert "toy.sav: sex" in err and "SEX=['M']" in err and "empty denominator" in err and "sex.csv" in err


def test_a_source_path_may_name_an_environment_variable(tmp_path, monkeypatch):
    from sdmx_publish.errors import SpecError
    from sdmx_publish.spec import load_spec

    path = toy_spec(tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "toy.sav").rename(tmp_path / "elsewhere" / "toy.sav")
    path.write_text(path.read_text().replace("path: toy.sav", "path: ${SURVEY_DATA}/toy.sav"))
    monkeypatch.setenv("SURVEY_DATA", str(tmp_path / "elsewhere"))
    assert load_spec(path).resolve("${SURVEY_DATA}/toy.sav") == tmp_path / "elsewhere" / "toy.sav"
    monkeypatch.delenv("SURVEY_DATA")
    with pytest.raises(SpecError) as e:
        load_spec(path)
    assert "${SURVEY_DATA}/toy.sav" in e.value.what and e.value.where.endswith("source.path")


@pytest.mark.parametrize("joined", [False, True])
def test_a_microdata_file_over_max_bytes_is_refused_before_it_is_read(tmp_path, capsys, joined):
    path = toy_spec(tmp_path)
    spec = yaml.safe_load(path.read_text())
    spec["source"]["max_bytes"] = 3000
    if joined:  # the joined file is the large one
        big = pd.read_csv(TOY)[["id"]].assign(extra=range(48), pad="x" * 200)
        pyreadstat.write_sav(big, str(tmp_path / "more.sav"))
        spec["survey"]["join"] = {"path": "more.sav", "keys": ["id"], "variables": ["extra"]}
        pyreadstat.write_sav(pd.read_csv(TOY), str(tmp_path / "toy.sav"))  # without labels: under 3000 bytes
    path.write_text(yaml.safe_dump(spec))
    size = (tmp_path / ("more.sav" if joined else "toy.sav")).stat().st_size
    assert size > 3000
    err = refused(path, tmp_path / "store", capsys)
    assert f"{'more' if joined else 'toy'}.sav: the source is {size:,} bytes, larger than source.max_bytes (3,000" in err
    assert "raise source.max_bytes" in err



@pytest.mark.parametrize("joined", [False, True])
def test_a_microdata_file_outside_the_source_roots_is_refused_unless_its_folder_allows_it(tmp_path, capsys,
                                                                                          monkeypatch, joined):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (tmp_path / "specs" / "chl").mkdir(parents=True)
    path = toy_spec(tmp_path / "specs" / "chl")
    spec = yaml.safe_load(path.read_text())
    target = outside / "more.sav" if joined else outside / "toy.sav"
    if joined:
        pyreadstat.write_sav(pd.read_csv(TOY)[["id"]].assign(extra=range(48)), str(target))
        spec["survey"]["join"] = {"path": str(target), "keys": ["id"], "variables": ["extra"]}
    else:
        (path.parent / "toy.sav").rename(target)
        spec["source"]["path"] = str(target)
    path.write_text(yaml.safe_dump(spec))
    monkeypatch.setenv("SDMX_PUBLISH_SOURCE_ROOTS", str(tmp_path / "specs"))
    err = refused(path, tmp_path / "store", capsys)
    assert "outside the source roots" in err and "source_roots" in err   # refused(): exit 2, nothing published
    monkeypatch.setenv("SURVEY_ROOT", str(outside))   # the folder allows it, through a variable
    (path.parent / "country.yaml").write_text('name: Chile\nsource_roots: ["${SURVEY_ROOT}"]\n')
    assert main(["run", str(path), "--store", str(tmp_path / "store")]) == 0
