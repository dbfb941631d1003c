"""The global SDG metadata of the bundled series, as copied from the SDG metadata repository.

``reference/sdg/metadata/<indicator>/<ATTRIBUTE>.en.json`` are byte copies of the repository's API
files (``SOURCE.md`` there); the series, their names and indicators come from CL_SERIES 1.14
(``reference/sdg/sdg16_series_from_CL_SERIES_1.14.csv``). No text is written here.
"""

from __future__ import annotations

import csv
import json
import re
from functools import lru_cache
from html import unescape

from .. import config
from .model import MetadataSet, ordered

#: where the texts come from, as the sets' description says
PROVENANCE = ("Global SDG indicator metadata, English, copied unchanged from the SDG metadata repository "
              "(github worldbank/sdg-metadata, api/{folder}/<field>/en.json at commit 081362c); "
              "series name from IAEG-SDGs CL_SERIES 1.14. Fields the repository does not give are left empty.")
#: the description of the set of a series whose indicator's global metadata is not bundled
NOT_BUNDLED = ("No global SDG metadata of indicator {indicator} is bundled (reference/sdg/metadata/SOURCE.md): "
               "only the series name and indicator, from IAEG-SDGs CL_SERIES 1.14.")


@lru_cache(maxsize=1)
def series_info() -> dict[str, tuple[str, str]]:
    """SDG series code -> (indicator, series name), from CL_SERIES 1.14."""
    with open(config.reference_dir() / "sdg" / "sdg16_series_from_CL_SERIES_1.14.csv", encoding="utf-8",
              newline="") as f:
        return {r["series"]: (r["indicator"], r["series_name"]) for r in csv.DictReader(f)}


@lru_cache(maxsize=32)
def indicator_attributes(indicator: str) -> dict[str, str]:
    """SDG_MSD attribute -> text (HTML as published) of an indicator (``16.1.1``); empty when not bundled."""
    folder = config.reference_dir() / "sdg" / "metadata" / indicator.replace(".", "-")
    out = {}
    for path in sorted(folder.glob("*.en.json")) if folder.is_dir() else []:
        text = json.loads(path.read_text(encoding="utf-8"))["data"]
        attribute = path.name.removesuffix(".en.json")
        out[attribute] = plain(text) if attribute == "META_LAST_UPDATE" else text
    return out


def plain(html: str) -> str:
    """The text of an HTML fragment: paragraphs on their own lines, tags dropped, entities resolved."""
    text = re.sub(r"</p>\s*", "\n", html)
    return unescape(re.sub(r"<[^>]+>", "", text)).strip()


def series_set(series: str, agency: str, codelist_urn: str, flows: list[str]) -> MetadataSet | None:
    """The set of one SDG series (targets: its code in ``codelist_urn`` and the dataflows ``flows``,
    URNs), or None for a series that CL_SERIES 1.14 does not list under an indicator we carry."""
    info = series_info().get(series)
    if info is None:
        return None
    indicator, name = info
    copied = indicator_attributes(indicator)
    values = {**copied, "SDG_INDICATOR": indicator, "SDG_SERIES_DESCR": name}
    about = PROVENANCE.format(folder=indicator.replace(".", "-")) if copied else NOT_BUNDLED.format(indicator=indicator)
    return MetadataSet(agency=agency, id=series, name=f"{series}: {name}", description=about,
                       targets=(f"{codelist_urn}.{series}", *flows), attributes=ordered(values))
