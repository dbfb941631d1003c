"""A reference metadata set (SDMX 3.0 ``MetadataSet``) and the structures it refers to."""

from __future__ import annotations

from dataclasses import dataclass

#: the metadata structure of every set: the real SDG MSD (``reference/sdg/metadata/SDG_MSD_1.0.xml``)
MSD = "urn:sdmx:org.sdmx.infomodel.metadatastructure.MetadataStructure=IAEG-SDGs:SDG_MSD(1.0)"
#: id of our metadataflow (on ``MSD``), maintained by the publishing agency
METADATAFLOW = "MDF_CCJS"
#: the SDG_MSD attributes our sets carry, in the MSD's order
ATTRIBUTES = ("COMPARABILITY", "CONTACT_ORGANISATION", "DATA_COMP", "DATA_SOURCE", "META_LAST_UPDATE",
              "SDG_INDICATOR", "SDG_SERIES_DESCR", "STAT_CONC_DEF")


def metadataflow_urn(agency: str) -> str:
    return f"urn:sdmx:org.sdmx.infomodel.metadatastructure.Metadataflow={agency}:{METADATAFLOW}(1.0.0)"


def dataflow_urn(agency: str, flow: str, version: str) -> str:
    return f"urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:{flow}({version})"


@dataclass(frozen=True, kw_only=True)
class MetadataSet:
    """Reported metadata (``attributes``: SDG_MSD attribute id -> text, MSD order) against ``targets``
    (URNs); ``description`` says where the text comes from."""

    agency: str
    id: str
    name: str
    description: str
    targets: tuple[str, ...]
    attributes: tuple[tuple[str, str], ...]
    version: str = "1.0.0"

    @property
    def urn(self) -> str:
        return f"urn:sdmx:org.sdmx.infomodel.metadatastructure.MetadataSet={self.agency}:{self.id}({self.version})"

    def get(self, attribute: str) -> str | None:
        return dict(self.attributes).get(attribute)


def ordered(values: dict[str, str]) -> tuple[tuple[str, str], ...]:
    """The non-empty ``values`` in the MSD's order."""
    return tuple((a, values[a]) for a in ATTRIBUTES if values.get(a))
