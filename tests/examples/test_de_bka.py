"""The BKA example: PKS 2023 table T01 (offence keys by Land), selected offence groups classified to ICCS by
summing national keys, summary keys used as checks and never summed with their details; the 16 Länder
(ISO 3166-2:DE) and Germany. Checked against cells picked by hand from the sheet."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sdmx_publish.cli import main
from sdmx_publish.store import latest
from tests.conftest import EXAMPLES
from tests.examples import publish

DE = EXAMPLES / "de_bka_pks_2023"
SPEC = DE / "offences.yaml"


@pytest.mark.slow
def test_offence_keys_summed_into_iccs_with_the_summary_keys_as_checks(tmp_path):
    store = tmp_path / "store"
    result, release, frame = publish(SPEC, store)
    assert result["observations"] == 9 * 17 and result["validation"]["errors"] == 0
    assert result["validation"]["warnings"] == 0  # 000000 and 220000 equal the sums of their details everywhere
    value = frame.set_index(["ICCS", "REF_AREA"])["OBS_VALUE"]
    # Bundesrepublik Deutschland: 010000 704 + 020000 1,578 + 030000 703 + 040000 98 + 221000 90; the summary
    # key 000000 (3,083) is a check, not added (3,173 + 3,083 would count every death twice)
    assert value[("01", "276")] == 704 + 1578 + 703 + 98 + 90
    assert value[("01", "DE-BY")] == 147 + 273 + 122 + 19 + 9                   # Bayern
    assert value[("02011", "276")] == 154541 + 4711 + 429157                    # 222000 + 223000 + 224000
    # 435*00 (77,819) holds daytime burglary 436*00 (28,865): its "ohne TWE" keys 48,954 + 28,865
    assert value[("05012", "276")] == 77819 and value[("05012", "DE-BE")] == 8323
    assert value[("0401", "DE-HB")] == 1667                                     # sheet row 1724: 210000, Bremen
    assert set(frame["REF_AREA"]) == {"276", *pd.read_csv(DE / "maps" / "laender.csv", dtype=str)["REF_AREA"]}
    nat = frame.set_index(["ICCS", "REF_AREA"])["NAT_CATEGORY"]
    assert nat[("05012", "276")] == "435*00"
    # the coverage report: the 34 summary rows (000000 and 220000, 17 areas) are checks, outside the total;
    # daytime burglary 436*00 is excluded on purpose (already in 435*00), with its note and total
    review = {r["map"]: r for r in release.manifest.mapping}["maps/offences.csv"]
    assert review["summary_rows"] == 34 and review["unmapped"] == 0
    assert [(v["value"], v["rows"], v["total"]) for v in review["excluded_values"]] == [("436*00", 17, 57730)]
    assert "counted twice" in review["excluded_values"][0]["note"]
    assert review["total"] == 4016560 and review["coverage"] == pytest.approx(1 - 57730 / 4016560)
    # the one period comes from the spec's constants: the totals per period are keyed by it, not by ''
    assert review["excluded_values"][0]["by_period"] == {"2023": 57730}
    assert list(review["by_period"]) == ["2023"] and review["by_period"]["2023"]["total"] == 4016560


@pytest.mark.slow
def test_a_summary_key_mapped_with_its_details_is_refused(tmp_path, capsys):
    shutil.copytree(DE, tmp_path / "de")
    offences = tmp_path / "de" / "maps" / "offences.csv"
    text = offences.read_text(encoding="utf-8")
    offences.write_text(text.replace('000000,,,"Straftaten', '000000,01,,"Straftaten'), encoding="utf-8")
    store = tmp_path / "store"
    code = main(["run", str(tmp_path / "de" / "offences.yaml"), "--store", str(store)])
    err = capsys.readouterr().err
    assert code == 2 and "000000" in err and "offences.csv" in err
    assert latest(store, "CCJS", "DF_ICCS_SUBNAT") is None
