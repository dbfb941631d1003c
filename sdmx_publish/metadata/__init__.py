"""Reference metadata: SDMX 3.0 metadata sets on the real SDG metadata structure ``IAEG-SDGs:SDG_MSD(1.0)``.

Two kinds of set, both built from what is published, never written by us:

- one per SDG series found in the releases: the global SDG metadata of the series' indicator, copied
  from the SDG metadata repository (``reference/sdg/metadata/``, provenance in its ``SOURCE.md``);
- one per part of a dataflow whose spec has a ``metadata`` block: the national methodology notes,
  published in each release as ``attachments/<part>/metadata.json`` (:mod:`.notes`).

A field with no source stays empty (absent from the set). Writers: :mod:`.write` (SDMX-ML 3.0 generic
metadata, SDMX-JSON 2.0 metadata).
"""

from __future__ import annotations

from .model import METADATAFLOW, MSD, MetadataSet, metadataflow_urn
from .notes import NOTES_FILE, NOTES_FORMAT, SPEC_FIELDS, notes_set, write_notes
from .sdg import indicator_attributes, series_info, series_set

__all__ = ["METADATAFLOW", "MSD", "NOTES_FILE", "NOTES_FORMAT", "SPEC_FIELDS", "MetadataSet", "indicator_attributes",
           "metadataflow_urn", "notes_set", "series_info", "series_set", "write_notes"]
