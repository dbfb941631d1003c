"""Write a small ICCS source table and its spec into a folder, for reader and pipeline tests."""

from __future__ import annotations

from pathlib import Path

import yaml

#: a spec on the ICCS dataflow whose maps are the real UNODC ones (by absolute path)
MAPS = Path(__file__).resolve().parents[2] / "examples" / "unodc" / "maps"

TABLE = """Country,Sex,Year,Value
KOR,Total,2021,"1,234"
KOR,Male,2021,700
KOR,Female,2021,534
JPN,Total,2021,..
"""


def spec_dict(source: str, **source_opts) -> dict:
    return {
        "dataflow": "DF_ICCS",
        "source": {"path": source, **source_opts},
        "columns": {"TIME_PERIOD": "Year", "OBS_VALUE": "Value"},
        "constants": {"FREQ": "A", "INDICATOR": "VICTIMS", "ICCS": "0101", "AGE": "_T", "CYBER": "_T",
                      "VIC_PERP_REL": "_T", "SIT_CONTEXT": "_T", "UNIT_MEASURE": "NUMBER"},
        "maps": [
            {"file": str(MAPS.parents[2] / "reference" / "m49.csv"), "from": "Country", "to": "REF_AREA",
             "key_columns": ["ISO-alpha3 Code"], "value_columns": ["M49 Code"]},
            {"file": str(MAPS / "sex.csv"), "from": "Sex", "to": "SEX"},
        ],
    }


def write_case(folder: Path, content: bytes | str, *, name: str = "table.csv", encoding: str = "utf-8",
               spec: dict | None = None, **source_opts) -> Path:
    """Write ``content`` as the source table and a spec next to it; return the spec path."""
    data = content if isinstance(content, bytes) else content.encode(encoding)
    (folder / name).write_bytes(data)
    spec_path = folder / "spec.yaml"
    spec_path.write_text(yaml.safe_dump(spec or spec_dict(name, **source_opts), allow_unicode=True), encoding="utf-8")
    return spec_path
