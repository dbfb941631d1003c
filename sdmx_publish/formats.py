"""Facts about SDMX formats: names, media types, file suffixes. Data, looked up, not re-typed."""

from __future__ import annotations

from enum import Enum


class Format(str, Enum):
    """Every data format we write; the value is the format's stable name."""

    ML21_STRUCTURE_SPECIFIC = "sdmx-ml-2.1-structurespecific"
    ML21_STRUCTURE_SPECIFIC_TS = "sdmx-ml-2.1-structurespecific-ts"
    ML21_GENERIC = "sdmx-ml-2.1-generic"
    ML21_GENERIC_TS = "sdmx-ml-2.1-generic-ts"
    ML30_STRUCTURE_SPECIFIC = "sdmx-ml-3.0-structurespecific"
    CSV10 = "sdmx-csv-1.0"
    CSV20 = "sdmx-csv-2.0"
    JSON20 = "sdmx-json-2.0"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self]

    @property
    def suffix(self) -> str:
        return SUFFIXES[self]


MEDIA_TYPES: dict[Format, str] = {
    Format.ML21_STRUCTURE_SPECIFIC: "application/vnd.sdmx.structurespecificdata+xml;version=2.1",
    Format.ML21_STRUCTURE_SPECIFIC_TS: "application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1",
    Format.ML21_GENERIC: "application/vnd.sdmx.genericdata+xml;version=2.1",
    Format.ML21_GENERIC_TS: "application/vnd.sdmx.generictimeseriesdata+xml;version=2.1",
    Format.ML30_STRUCTURE_SPECIFIC: "application/vnd.sdmx.data+xml;version=3.0.0",
    Format.CSV10: "application/vnd.sdmx.data+csv;version=1.0.0",
    Format.CSV20: "application/vnd.sdmx.data+csv;version=2.0.0",
    Format.JSON20: "application/vnd.sdmx.data+json;version=2.0.0",
}

SUFFIXES: dict[Format, str] = {
    Format.ML21_STRUCTURE_SPECIFIC: ".ss.xml",
    Format.ML21_STRUCTURE_SPECIFIC_TS: ".ss-ts.xml",
    Format.ML21_GENERIC: ".generic.xml",
    Format.ML21_GENERIC_TS: ".generic-ts.xml",
    Format.ML30_STRUCTURE_SPECIFIC: ".ss30.xml",
    Format.CSV10: ".csv",
    Format.CSV20: ".csv20.csv",
    Format.JSON20: ".json",
}

STRUCTURE_ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
STRUCTURE_JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"
