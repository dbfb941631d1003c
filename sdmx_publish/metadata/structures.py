"""The structures the metadata sets refer to, as one SDMX-ML 3.0 structure message: the real SDG MSD
(``reference/sdg/metadata/SDG_MSD_1.0.xml``, unchanged) and our metadataflow on it."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from .. import config
from ..xmlsafe import parser
from .model import METADATAFLOW, MSD, metadataflow_urn

_NS = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
_STR, _COM, _MES = (f"{{{_NS}{p}}}" for p in ("structure", "common", "message"))
#: what our metadataflow's sets may target: our dataflows and the SDG series codes
TARGETS = ("urn:sdmx:org.sdmx.infomodel.datastructure.Dataflow={agency}:*(*)",
           "urn:sdmx:org.sdmx.infomodel.codelist.Code=IAEG-SDGs:CL_SERIES(*).*")


def msd_file() -> str:
    return str(config.reference_dir() / "sdg" / "metadata" / "SDG_MSD_1.0.xml")


def structure_message(*, flows: bool, msd: bool, agency: str, prepared: datetime) -> bytes:
    """A 3.0 structure message with our metadataflow (``flows``) and the SDG MSD (``msd``)."""
    doc = etree.parse(msd_file(), parser())
    root = doc.getroot()
    header = root.find(f"{_MES}Header")
    header.find(f"{_MES}ID").text = f"MDF-{prepared:%Y%m%dT%H%M%S}"
    header.find(f"{_MES}Prepared").text = prepared.strftime("%Y-%m-%dT%H:%M:%SZ")
    header.find(f"{_MES}Sender").set("id", agency)
    structures = root.find(f"{_MES}Structures")
    if flows:
        holder = etree.Element(f"{_STR}Metadataflows")
        flow = etree.SubElement(holder, f"{_STR}Metadataflow", urn=metadataflow_urn(agency), agencyID=agency,
                                id=METADATAFLOW, version="1.0.0")
        name = etree.SubElement(flow, f"{_COM}Name")
        name.set("{http://www.w3.org/XML/1998/namespace}lang", "en")
        name.text = "Reference metadata of the crime and criminal justice dataflows (SDG metadata and national notes)"
        etree.SubElement(flow, f"{_STR}Structure").text = MSD
        for target in TARGETS:
            etree.SubElement(flow, f"{_STR}Target").text = target.format(agency=agency)
        structures.insert(0, holder)
    if not msd:
        structures.remove(structures.find(f"{_STR}MetadataStructures"))
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")
