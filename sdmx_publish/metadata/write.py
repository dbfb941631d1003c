"""Metadata sets as SDMX-ML 3.0 generic metadata and as SDMX-JSON 2.0 metadata messages."""

from __future__ import annotations

import json
from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from .model import MSD, MetadataSet, metadataflow_urn

ML30 = "application/vnd.sdmx.metadata+xml;version=3.0.0"
JSON20 = "application/vnd.sdmx.metadata+json;version=2.0.0"
_NS = "http://www.sdmx.org/resources/sdmxml/schemas/v3_0/"
_JSON_SCHEMA = ("https://raw.githubusercontent.com/sdmx-twg/sdmx-json/develop/metadata-message/tools/schemas/"
                "2.0.0/sdmx-json-metadata-schema.json")


def _stamp(prepared: datetime) -> str:
    return prepared.strftime("%Y-%m-%dT%H:%M:%SZ")


def to_xml(sets: list[MetadataSet], *, message_id: str, sender: str, prepared: datetime) -> bytes:
    """An SDMX-ML 3.0 ``GenericMetadata`` message (valid against the official 3.0 schemas)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<message:GenericMetadata xmlns:message="{_NS}message" xmlns:common="{_NS}common" '
           f'xmlns:md="{_NS}metadata/generic">\n',
           f"<message:Header><message:ID>{escape(message_id)}</message:ID><message:Test>false</message:Test>"
           f"<message:Prepared>{_stamp(prepared)}</message:Prepared><message:Sender id={quoteattr(sender)}/>"
           f'<message:Structure structureID="SDG_MSD"><common:Structure>{MSD}</common:Structure></message:Structure>'
           "</message:Header>\n"]
    for s in sets:
        out.append(f'<message:MetadataSet agencyID={quoteattr(s.agency)} id={quoteattr(s.id)} '
                   f'version={quoteattr(s.version)} urn={quoteattr(s.urn)}>'
                   f'<common:Name xml:lang="en">{escape(s.name)}</common:Name>'
                   f'<common:Description xml:lang="en">{escape(s.description)}</common:Description>'
                   f"<md:Metadataflow>{metadataflow_urn(s.agency)}</md:Metadataflow>")
        out += [f"<md:Target>{escape(t)}</md:Target>" for t in s.targets]
        out += [f'<md:Attribute id="{a}"><md:Value>{escape(v)}</md:Value></md:Attribute>' for a, v in s.attributes]
        out.append("</message:MetadataSet>\n")
    out.append("</message:GenericMetadata>\n")
    return "".join(out).encode("utf-8")


def to_json(sets: list[MetadataSet], *, message_id: str, sender: str, prepared: datetime) -> bytes:
    """An SDMX-JSON 2.0 metadata message."""
    doc = {"meta": {"schema": _JSON_SCHEMA, "id": message_id, "test": False, "prepared": _stamp(prepared),
                    "contentLanguages": ["en"], "sender": {"id": sender}},
           "data": {"metadataSets": [
               {"id": s.id, "agencyID": s.agency, "version": s.version, "name": s.name, "names": {"en": s.name},
                "description": s.description, "descriptions": {"en": s.description},
                "metadataflow": metadataflow_urn(s.agency), "targets": list(s.targets),
                "attributes": [{"id": a, "value": v} for a, v in s.attributes]} for s in sets]}}
    return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")
