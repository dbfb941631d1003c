"""Many-to-one value maps: several national values with one target are summed when the map declares
``aggregate: sum``; without it the repeated key is an ambiguous mapping, an error naming the map's rows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sdmx_publish.errors import SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec
from sdmx_publish.transform import transform

from ..conftest import EXAMPLES


def _spec(tmp_path: Path, aggregate: bool) -> Path:
    """The Korean homicide victims example (a real table: 2015 male 173, female 190)
    with a sex map sending MALE and FEMALE both to _T, and the table's blank-sex totals left out."""
    folder = tmp_path / "kostat"
    shutil.copytree(EXAMPLES / "kostat", folder)
    (folder / "maps" / "sex_sum.csv").write_text("data.Sex,SEX,note\n,,national total left out and re-made as a sum\n"
                                                 "data.Male,_T,\ndata.Female,_T,\n")
    spec = yaml.safe_load((folder / "homicide_victims.yaml").read_text())
    spec["maps"] = [{"file": "maps/sex_sum.csv", "from": "data.Sex", "to": "SEX",
                     **({"aggregate": "sum"} if aggregate else {})} if m["to"] == "SEX" else m for m in spec["maps"]]
    path = folder / "homicide_victims.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path


def test_aggregate_sum_adds_the_national_values_with_one_target(tmp_path, registry):
    spec = load_spec(_spec(tmp_path, aggregate=True))
    flow = registry.flow(spec.dataflow)
    frame, report = transform(extract(spec), spec, flow)
    both = frame[frame["SEX"].eq("_T")].set_index("TIME_PERIOD")
    assert both.loc["2015", "OBS_VALUE"] == 173 + 190  # the source's both-sexes row says 365: its own sum differs
    assert both.index.is_unique
    assert report.excluded and report.excluded[0]["map"] == "maps/sex_sum.csv"


def test_a_repeated_key_without_aggregate_is_an_ambiguous_mapping(tmp_path, registry):
    spec = load_spec(_spec(tmp_path, aggregate=False))
    flow = registry.flow(spec.dataflow)
    with pytest.raises(SpecError) as e:
        transform(extract(spec), spec, flow)
    msg = str(e.value)
    assert "maps/sex_sum.csv rows [3, 4]: ambiguous mapping" in msg and "'data.Female', 'data.Male'" in msg
    assert "SEX=_T" in msg and "aggregate: sum" in msg and "maps[" in msg


def _kz_totals(tmp_path, registry, *, drop: str, sum_1d: bool = False) -> pd.DataFrame:
    """Kazakhstan's 16.1.4 totals (all sexes, ages, areas) by period, transformed from a copy of the example
    without the table's lines starting with ``drop`` (and with answer 1D summed in too if ``sum_1d``)."""
    folder = tmp_path / "opensdg"
    shutil.copytree(EXAMPLES / "opensdg_kz_ua_ca", folder)
    if sum_1d:
        answers = folder / "maps" / "kz_answers.csv"
        answers.write_text(answers.read_text(encoding="utf-8").replace("_L_KZ_160104_1D,,",
                                                                       "_L_KZ_160104_1D,VC_SNS_WALN_DRK,"),
                           encoding="utf-8")
    table = folder / "kz" / "indicator_16-1-4.csv"
    lines = table.read_text().splitlines(keepends=True)
    table.write_text("".join(x for x in lines if not x.startswith(drop)))
    spec = load_spec(folder / "kz_feel_safe.yaml")
    frame, _ = transform(extract(spec), spec, registry.flow(spec.dataflow))
    return frame[frame[["SEX", "AGE", "URBANISATION"]].eq("_T").all(axis=1)].set_index("TIME_PERIOD")


def test_a_sum_with_a_part_absent_from_the_table_is_missing_not_the_parts_it_has(tmp_path, registry):
    """Kazakhstan's platform (a real table): the share who feel safe is 1A + 1B; a cell whose 1B row is
    absent must not be published as 1A alone (42.4 under the name of the 1A + 1B share, 91.1)."""
    total = _kz_totals(tmp_path, registry, drop="2016,PT,_L_KZ_160104_1B,,,,")
    # missing because a part is: O, "missing value" (it was M, "data cannot exist", which it can)
    assert pd.isna(total.loc["2016", "OBS_VALUE"]) and total.loc["2016", "OBS_STATUS"] == "O"
    assert total.loc["2019", "OBS_VALUE"] == 92.4 and total.loc["2019", "OBS_STATUS"] == "B"  # 1A and 1B both there
    assert total.loc["2020", "OBS_STATUS"] == "A"  # (2019: B, the break of the new answer scale, maps/kz_scale.csv)


def test_a_part_that_exists_only_from_a_later_period_leaves_the_earlier_sums(tmp_path, registry):
    """The same table with 1D ('not safe at all', on the platform from 2019 on) summed in too: the 2016 sums
    have every part the table has in 2016, and are published; a 2019 cell without its 1D is missing."""
    total = _kz_totals(tmp_path, registry, drop="2019,PT,_L_KZ_160104_1D,,,,", sum_1d=True)
    assert total.loc["2016", "OBS_VALUE"] == 91.1 and total.loc["2016", "OBS_STATUS"] == "A"   # 42.4 + 48.7
    assert pd.isna(total.loc["2019", "OBS_VALUE"]) and total.loc["2019", "OBS_STATUS"] == "O"
    assert total.loc["2020", "OBS_VALUE"] == 96.5  # 57.4 + 38.5 + 0.6: 1A + 1B + 1D


def _numbers(tree, key=""):
    """Every (key, number) in a nested review, shares and coverage (ratios) left out."""
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _numbers(v, k)
    elif isinstance(tree, list):
        for v in tree:
            yield from _numbers(v, key)
    elif isinstance(tree, float) and key not in ("share", "coverage"):
        yield key, tree


def test_the_mapping_review_sums_percentages_without_float_noise(registry):
    """Kazakhstan's answers are percentages with one decimal: their totals in the review (mapping.json) were
    e.g. 132.39999999999998; they are rounded as the engine's sums are (10 decimals)."""
    spec = load_spec(EXAMPLES / "opensdg_kz_ua_ca" / "kz_feel_safe.yaml")
    _, report = transform(extract(spec), spec, registry.flow(spec.dataflow))
    numbers = list(_numbers(report.mapping))
    assert len(numbers) > 50
    assert [(k, x) for k, x in numbers if x != round(x, 10)] == []
