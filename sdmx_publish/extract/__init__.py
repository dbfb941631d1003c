"""Extract: readers for national tables (CSV, Excel, SQL, SDMX-ML), as a spec says (:mod:`sdmx_publish.spec`)."""

from .readers import extract

__all__ = ["extract"]
