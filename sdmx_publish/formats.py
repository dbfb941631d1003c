"""Facts about SDMX formats: names, media types, file suffixes, XML namespaces, URN prefixes.

Data, looked up, not re-typed: the writers, the structure reader and writer, the server's content
negotiation and error messages, and the schema checks all take them from here. (Time periods are
:mod:`sdmx_publish.periods`.)
"""

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

#: media types of structure messages (SDMX-ML 2.1 as stored, 3.0 and SDMX-JSON 2.0 converted on request)
STRUCTURE_ML21 = "application/vnd.sdmx.structure+xml;version=2.1"
STRUCTURE_ML30 = "application/vnd.sdmx.structure+xml;version=3.0.0"
STRUCTURE_JSON20 = "application/vnd.sdmx.structure+json;version=2.0.0"

#: the root of the SDMX-ML namespaces of each version; a message's parts are below it
#: (``message``, ``common``, ``structure``, ``data/generic``, ``data/structurespecific``)
ML_NAMESPACES = {"2.1": "http://www.sdmx.org/resources/sdmxml/schemas/v2_1",
                 "3.0": "http://www.sdmx.org/resources/sdmxml/schemas/v3_0"}
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XS = "http://www.w3.org/2001/XMLSchema"

#: URN prefixes of the structures data messages refer to
DSD_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.DataStructure="
DATAFLOW_URN = "urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow="


def namespace(version: str, part: str) -> str:
    """The SDMX-ML namespace of ``part`` (``message``, ``common``, ...) in ``version`` (``2.1`` or ``3.0``)."""
    return f"{ML_NAMESPACES[version]}/{part}"
