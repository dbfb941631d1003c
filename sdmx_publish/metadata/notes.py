"""National methodology notes: a spec's ``metadata`` block, published with each release of its part.

The block's keys are named for people and stored under the SDG_MSD attribute each fills
(:data:`SPEC_FIELDS`). The release file ``attachments/<part>/metadata.json`` holds them as written
in the spec; the server reads it back into a metadata set targeting the dataflow.
"""

from __future__ import annotations

import json
from pathlib import Path

from .model import MSD, MetadataSet, ordered

#: spec key -> SDG_MSD attribute
SPEC_FIELDS = {"definition": "STAT_CONC_DEF", "source": "DATA_SOURCE", "method": "DATA_COMP",
               "comparability": "COMPARABILITY", "contact": "CONTACT_ORGANISATION"}
#: the release file of a part's notes, and its manifest format
NOTES_FILE = "metadata.json"
NOTES_FORMAT = "reference-metadata-json"


def write_notes(path: Path, notes: dict[str, str | None], *, part: str, spec: str) -> None:
    """Write a part's notes (spec keys -> text) as the release file ``metadata.json``."""
    attributes = {SPEC_FIELDS[k]: v.strip() for k, v in notes.items() if v and v.strip()}
    doc = {"part": part, "spec": spec, "structure": MSD, "attributes": dict(ordered(attributes))}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def notes_set(doc: dict, *, agency: str, flow: str, flow_urn: str, release: str) -> MetadataSet:
    """The metadata set of one part's notes (a ``metadata.json`` read back), targeting its dataflow."""
    part = doc["part"]
    return MetadataSet(agency=agency, id=f"{flow}-{part}", name=f"{flow}: national methodology notes of {part}",
                       description=f"National methodology notes from the source spec {doc['spec']} (metadata block), "
                                   f"published in release {release} of {flow}. Fields the spec does not give are "
                                   "left empty.",
                       targets=(flow_urn,), attributes=ordered(doc["attributes"]))
