"""Where things are in the release store: one place for every folder and file name.

::

    STORE/<AGENCY>/<FLOW_ID>/
      LATEST                  the id of the latest release (replaced atomically)
      .lock                   serialises publications of the dataflow
      .staging-<hex>/         a release being built (invisible; swept when stale)
      .LATEST-<hex>           a LATEST being replaced (swept when stale)
      releases/<RELEASE_ID>/  immutable once visible
        manifest.json, data.ss.xml, data.generic.xml, data.csv, parts/<PART>.csv, structure.xml,
        validation.json (.html, .findings.csv)
"""

from __future__ import annotations

import re
from pathlib import Path

from ..formats import Format

MANIFEST = "manifest.json"
LATEST = "LATEST"
LOCK = ".lock"
RELEASES = "releases"
STAGING_PREFIX = ".staging-"
POINTER_PREFIX = ".LATEST-"
STRUCTURE = "structure.xml"
DATA_CSV = "data.csv"
#: one SDMX-CSV file per source spec feeding the dataflow
PARTS = "parts"
#: the format name of a part's SDMX-CSV file in the manifest
PART_FORMAT = "sdmx-csv-1.0-part"
#: a part's other files: ``attachments/<part>/<name>``, carried forward with the part
ATTACHMENTS = "attachments"
#: the release each observation of a part was last changed in: ``attachments/<part>/last_changed.csv``
#: (runs of ``ROWS,LAST_CHANGED`` over the part's SDMX-CSV rows; written by publish/changed.py, read by
#: store/changed.py)
LAST_CHANGED_FILE = "last_changed.csv"
LAST_CHANGED = "LAST_CHANGED"
LAST_CHANGED_ROWS = "ROWS"
STRUCTURE_FORMAT = "sdmx-ml-2.1-structure"
STRUCTURE_MEDIA_TYPE = "application/vnd.sdmx.structure+xml;version=2.1"

#: formats every release carries for the whole dataflow, with their file names
RELEASE_FILES: dict[Format, str] = {
    Format.ML21_STRUCTURE_SPECIFIC: "data.ss.xml",
    Format.ML21_GENERIC: "data.generic.xml",
    Format.CSV10: DATA_CSV,
}

#: an agency, dataflow or release id that may become a path segment
SAFE_ID = re.compile(r"^[A-Za-z0-9_@$\-]{1,200}$")


def flow_dir(store: Path, agency: str, flow_id: str) -> Path:
    return Path(store) / agency / flow_id


def releases_dir(store: Path, agency: str, flow_id: str) -> Path:
    return flow_dir(store, agency, flow_id) / RELEASES


def part_file(part: str) -> str:
    """A part's SDMX-CSV file, relative to its release folder."""
    return f"{PARTS}/{part}.csv"
