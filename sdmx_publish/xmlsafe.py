"""Parsing XML we did not write, safely: no external entities, no network, no entity expansion."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from .errors import InputError


def parser() -> etree.XMLParser:
    """An lxml parser that refuses DTD tricks (XXE, billion laughs) instead of expanding them."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False
    )


def parse(path: str | Path) -> etree._ElementTree:
    """Parse an XML file, refusing documents that declare entities."""
    try:
        tree = etree.parse(str(path), parser())
    except etree.XMLSyntaxError as e:
        raise InputError(f"not well-formed XML: {e}", where=str(path),
                         fix="check that the file is a complete SDMX-ML message") from None
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise InputError("XML with a DOCTYPE/entity declarations is refused", where=str(path),
                         fix="SDMX-ML messages never need a DTD; remove the DOCTYPE")
    return tree


def refuse_dtd(raw: bytes, where: str) -> None:
    """Refuse a document that declares a DTD or entities before any XML parser sees it."""
    head = raw[:65536].lower()
    if b"<!doctype" in head or b"<!entity" in head:
        raise InputError("XML with a DOCTYPE/entity declarations is refused (external entities and entity "
                         "expansion are never processed)", where=where,
                         fix="SDMX-ML messages never need a DTD; ask the sender for a plain SDMX-ML message")
