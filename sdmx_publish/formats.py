"""Facts about SDMX formats: names, media types, file suffixes, XML namespaces, URN prefixes.

Data, looked up, not re-typed: the writers, the structure reader and writer, the server's content
negotiation and error messages, and the schema checks all take them from here. (Time periods are
:mod:`sdmx_publish.periods`.)
"""

from __future__ import annotations

from enum import Enum


class Kind(str, Enum):
    """What a message carries: observations (data) or structures (DSDs, codelists, dataflows)."""

    DATA = "data"
    STRUCTURE = "structure"


class Format(str, Enum):
    """Every SDMX message format we write or serve; the value is the format's stable name.

    Data formats (:meth:`data`) are written by :mod:`sdmx_publish.write`, published in releases and
    served by the data queries; structure formats (:meth:`structures`) answer the structure queries.
    """

    ML21_STRUCTURE_SPECIFIC = "sdmx-ml-2.1-structurespecific"
    ML21_STRUCTURE_SPECIFIC_TS = "sdmx-ml-2.1-structurespecific-ts"
    ML21_GENERIC = "sdmx-ml-2.1-generic"
    ML21_GENERIC_TS = "sdmx-ml-2.1-generic-ts"
    ML30_STRUCTURE_SPECIFIC = "sdmx-ml-3.0-structurespecific"
    CSV10 = "sdmx-csv-1.0"
    CSV20 = "sdmx-csv-2.0"
    JSON20 = "sdmx-json-2.0"
    #: structure messages: SDMX-ML 2.1 as stored, SDMX-ML 3.0 and SDMX-JSON 2.0 converted on request
    STRUCTURE_ML21 = "sdmx-ml-2.1-structure"
    STRUCTURE_ML30 = "sdmx-ml-3.0-structure"
    STRUCTURE_JSON20 = "sdmx-json-2.0-structure"

    @classmethod
    def data(cls) -> tuple[Format, ...]:
        """The data formats, in declaration order."""
        return tuple(f for f in cls if f.kind is Kind.DATA)

    @classmethod
    def structures(cls) -> tuple[Format, ...]:
        """The structure formats, in declaration order."""
        return tuple(f for f in cls if f.kind is Kind.STRUCTURE)

    @property
    def kind(self) -> Kind:
        return _KINDS[self]

    @property
    def media_type(self) -> str:
        return _MEDIA_TYPES[self]

    @property
    def suffix(self) -> str:
        """The file suffix of a data file in this format (``.ss.xml``, ``.csv``, ...)."""
        try:
            return _SUFFIXES[self]
        except KeyError:
            raise ValueError(f"{self.value} is not a data format: it has no data file suffix") from None


#: each format's media type, kind and (data formats) file suffix
_TABLE: dict[Format, tuple[str, Kind, str | None]] = {
    Format.ML21_STRUCTURE_SPECIFIC: ("application/vnd.sdmx.structurespecificdata+xml;version=2.1", Kind.DATA, ".ss.xml"),
    Format.ML21_STRUCTURE_SPECIFIC_TS: ("application/vnd.sdmx.structurespecifictimeseriesdata+xml;version=2.1",
                                        Kind.DATA, ".ss-ts.xml"),
    Format.ML21_GENERIC: ("application/vnd.sdmx.genericdata+xml;version=2.1", Kind.DATA, ".generic.xml"),
    Format.ML21_GENERIC_TS: ("application/vnd.sdmx.generictimeseriesdata+xml;version=2.1", Kind.DATA,
                             ".generic-ts.xml"),
    Format.ML30_STRUCTURE_SPECIFIC: ("application/vnd.sdmx.data+xml;version=3.0.0", Kind.DATA, ".ss30.xml"),
    Format.CSV10: ("application/vnd.sdmx.data+csv;version=1.0.0", Kind.DATA, ".csv"),
    Format.CSV20: ("application/vnd.sdmx.data+csv;version=2.0.0", Kind.DATA, ".csv20.csv"),
    Format.JSON20: ("application/vnd.sdmx.data+json;version=2.0.0", Kind.DATA, ".json"),
    Format.STRUCTURE_ML21: ("application/vnd.sdmx.structure+xml;version=2.1", Kind.STRUCTURE, None),
    Format.STRUCTURE_ML30: ("application/vnd.sdmx.structure+xml;version=3.0.0", Kind.STRUCTURE, None),
    Format.STRUCTURE_JSON20: ("application/vnd.sdmx.structure+json;version=2.0.0", Kind.STRUCTURE, None),
}
_MEDIA_TYPES = {f: t[0] for f, t in _TABLE.items()}
_KINDS = {f: t[1] for f, t in _TABLE.items()}
_SUFFIXES = {f: t[2] for f, t in _TABLE.items() if t[2] is not None}

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
