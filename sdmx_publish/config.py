"""Settings, each with a documented default and an environment variable to change it."""

from __future__ import annotations

import os
from pathlib import Path

#: The repository (or installed source tree) root: holds ``dsd/``, ``reference/``, ``examples/``.
ROOT = Path(__file__).resolve().parent.parent

#: Maintenance agency of our own structures (ICCS DSD, codelists, dataflows).
#: Default ``CCJS`` (Crime and Criminal Justice Statistics); set ``SDMX_PUBLISH_AGENCY`` to change it
#: and run ``sdmx-publish structures`` to regenerate ``dsd/``.
DEFAULT_AGENCY = "CCJS"

#: Where releases go when ``--store`` is not given.
DEFAULT_STORE = "releases"


def agency() -> str:
    """The maintenance agency of our own structures."""
    return os.environ.get("SDMX_PUBLISH_AGENCY", DEFAULT_AGENCY)


def store_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The release store: ``--store``, else ``SDMX_PUBLISH_STORE``, else ``./releases``."""
    return Path(explicit or os.environ.get("SDMX_PUBLISH_STORE", DEFAULT_STORE)).resolve()


def population_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Population table for derived SDG rates and regional weights: ``--population``, else
    ``SDMX_PUBLISH_POPULATION``, else None (the bundled World Bank table)."""
    value = explicit or os.environ.get("SDMX_PUBLISH_POPULATION")
    return Path(value).resolve() if value else None


def dsd_dir() -> Path:
    """Folder of SDMX-ML structure messages: ``SDMX_PUBLISH_DSD_DIR`` or the bundled ``dsd/``."""
    return Path(os.environ.get("SDMX_PUBLISH_DSD_DIR", ROOT / "dsd"))


def reference_dir() -> Path:
    """Bundled reference material (schemas, ICCS, M49, population)."""
    return ROOT / "reference"


def schema_dir(version: str = "2.1") -> Path:
    """Official SDMX-ML XML schemas for ``version`` (``2.1`` or ``3.0``)."""
    return reference_dir() / "schemas" / ("v2_1" if version == "2.1" else "v3_0")
