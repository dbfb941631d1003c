"""`sdmx-publish codes` browses a dataflow's codelists; `sdmx-publish preview` prints a spec's mapped table
before anything is validated or published."""

from __future__ import annotations

import os
import subprocess
import sys

from sdmx_publish.cli import main

from .conftest import EXAMPLES
from .extract.helpers import TABLE, write_case
from .extract.test_readers import THAI, thai_spec


def test_codes_lists_the_coded_components_then_searches_one(capsys):
    assert main(["codes", "DF_SDG_16_CRIME"]) == 0
    out = capsys.readouterr().out
    assert "AGE " in out and "IAEG-SDGs:CL_AGE" in out and "SERIES" in out
    assert main(["codes", "DF_SDG_16_CRIME", "AGE", "--search", "5 to 1"]) == 0
    out = capsys.readouterr().out
    assert "Y5T14        5 to 14 years old" in out and "Y0T4" not in out
    assert main(["codes", "DF_SDG_16_CRIME", "AGE", "--search", "Y5T15"]) == 0
    assert "nearest codes: Y5T14" in capsys.readouterr().out
    assert main(["codes", "DF_SDG_16_CRIME", "AGEE"]) == 2
    assert "did you mean AGE?" in capsys.readouterr().err


def test_preview_prints_the_mapped_table(capsys):
    assert main(["preview", str(EXAMPLES / "knpa" / "crime_by_region.yaml"), "--rows", "3"]) == 0
    out = capsys.readouterr().out
    assert "738 observations of CCJS:DF_ICCS_SUBNAT(1.0) (not validated, not published)" in out
    assert "KR-11" in out and "강력범죄/살인기수" in out and "... 735 more" in out
    assert "map maps/region.csv: 99.9% of 1,520,200 mapped, 1,484 excluded on purpose" in out
    # the values as the publication writes them (148, not 148.0)
    first = next(line for line in out.splitlines() if "KR-11" in line).split()
    assert first[first.index("2023") + 1] == "148" and ".0 " not in out
    # a legend names the codes each coded column uses, from the codelists (a wrong but valid code stands out)
    assert "codes used (names from the codelists of CCJS:DF_ICCS_SUBNAT(1.0)):" in out
    assert "  REF_AREA: 410 Republic of Korea; KR-11 Seoul-teukbyeolsi; " in out
    assert "; 0401 Robbery; " in out and "more (sdmx-publish codes DF_ICCS_SUBNAT ICCS)" in out
    assert "  SEX: _T Both sexes or no breakdown by sex\n" in out


def test_preview_warns_about_value_cells_it_could_not_read(tmp_path, capsys):
    """Cells that are not numbers show empty in the table, and a warning block names each (file, row, column,
    period, cell, hint); preview is for looking: exit 0."""
    table = "Country,Sex,Year,Value\nKOR,Total,2019,13O2\nKOR,Total,2020,\"1,210\"\nKOR,Total,2021,approx. 1185\n"
    spec = write_case(tmp_path, table + "".join(f"KOR,Male,{y},{y - 1300}\n" for y in range(2015, 2022)))
    assert main(["preview", str(spec)]) == 0
    out = capsys.readouterr().out
    assert "WARNING: 3 value cell(s) could not be read as numbers" in out and "(value.non_numeric)" in out
    assert ("table.csv row 2, column Value, TIME_PERIOD 2019: '13O2': the letter(s) O among digits, a typing error "
            "for 1302? correct the source cell") in out
    assert "row 3, column Value, TIME_PERIOD 2020: '1,210': " in out and "set source.thousands: ','" in out
    assert "row 4, column Value, TIME_PERIOD 2021: 'approx. 1185': text around the number 1185" in out
    assert main(["preview", str(write_case(tmp_path, TABLE, thousands=","))]) == 0
    assert "WARNING" not in capsys.readouterr().out


def test_preview_says_when_unmapped_values_look_decoded_with_the_wrong_encoding(tmp_path, capsys):
    spec = write_case(tmp_path, THAI.encode("cp874"), spec=thai_spec(tmp_path, "cp1252"))
    assert main(["preview", str(spec)]) == 0
    out = capsys.readouterr().out
    assert ("unmapped: 1 row(s) with {'Sex': 'ªÒÂ'} match no row of sex_th.csv (first at row 3); check "
            "source.encoding (the text looks decoded with the wrong encoding: 'ªÒÂ' read as cp1252 is 'ชาย' in cp874") in out


def test_a_reader_that_stops_early_ends_the_listing_quietly():
    """`sdmx-publish codes DF_ICCS AGE | head -1`: no 'unexpected BrokenPipeError' and no traceback, exit 141
    (SIGPIPE) as a shell reports for a filter cut short. Here the reader is gone before the first write."""
    read, write = os.pipe()
    os.close(read)
    try:
        codes = subprocess.run([sys.executable, "-m", "sdmx_publish.cli", "codes", "DF_ICCS", "AGE"],
                               stdout=write, stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write)
    assert codes.stderr == "" and codes.returncode == 141
