"""Rules on what the transform step found in the correspondence tables (``Context.unmapped``,
``Context.summary_checks``): source values no table maps, and declared summary rows of a national
classification that their details do not add up to. Each finding is about a source row the frame no
longer holds, so it names the file, row and column itself (``pos`` -1)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .context import Context, empty, findings


def check_unmapped(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """One finding per unmapped source value, with its count and first row."""
    found = ctx.unmapped
    if not found:
        return empty()
    out = findings(np.full(len(found), -1), "", [" | ".join(map(str, u["value"])) for u in found],
                   [f"a row in {u['map']} (or a row with empty targets to exclude it)" for u in found])
    return out.assign(source=[u["source"] for u in found], row=[u["first_row"] for u in found],
                      column=[", ".join(u["columns"]) for u in found], count=[u["count"] for u in found],
                      values=[str(dict(zip(u["columns"], u["value"]))) for u in found],
                      map=[u["map"] for u in found], encoding=[f"; {u['encoding']}" if u.get("encoding") else ""
                                                               for u in found])


def check_summary_rows(ctx: Context, params: Mapping[str, Any]) -> pd.DataFrame:
    """One finding per declared summary row of the source further from the sum of its details than the
    map's tolerance."""
    found = ctx.summary_checks
    if not found:
        return empty()
    out = findings(np.full(len(found), -1), "", [str(c["value"]) for c in found],
                   [f"{c['details_sum']:g} (tolerance {c['tolerance']:g}; a detail the table lacks, or a summary "
                    "that is not the sum of the details the map declares)" for c in found])
    return out.assign(source=[c["source"] for c in found], row=[c["row"] for c in found], column="",
                      summary=[repr(c["summary"]) for c in found], map=[c["map"] for c in found],
                      total=[f"{c['value']:g}" for c in found], details=[c["details"] for c in found],
                      details_sum=[f"{c['details_sum']:g}" for c in found],
                      where=[f" ({', '.join(f'{k}={v}' for k, v in c['context'].items())})" if c["context"] else ""
                             for c in found])
