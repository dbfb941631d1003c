"""The rule type: a declared check with a stable id, a severity, a message and a fix hint.

The catalogue of shipped rules is :data:`sdmx_publish.validate.catalogue.RULES`; the check
functions live in the modules named after their family (``structural``, ``values``,
``aggregates``, ``series``, ``revisions``, ``correspondence``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from string import Formatter
from typing import Any, Literal

import numpy as np
import pandas as pd

from .context import Context, as_text

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
#: What happens to the observations a rule finds: reported only, published with a flag, held back.
Outcome = Literal["warn", "flag", "hold"]
OUTCOMES: tuple[Outcome, ...] = ("warn", "flag", "hold")
Check = Callable[[Context, Mapping[str, Any]], pd.DataFrame]
#: ``related(ctx, params, found) -> (finding index, row position)``: other rows a finding is about
#: (the parts of a total), flagged or held back with the finding's row
Related = Callable[[Context, Mapping[str, Any], pd.DataFrame], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, kw_only=True)
class Rule:
    """One validation rule.

    ``check(ctx, params)`` returns the failing rows as a frame with the columns of
    :data:`~sdmx_publish.validate.context.FINDING_COLUMNS`; ``message`` is a template over those
    columns (``{component}``, ``{value}``, ``{expected}``) and the rule's ``params``.
    """

    id: str
    title: str
    severity: Severity
    description: str
    message: str
    fix: str
    check: Check
    #: ``structural`` rules only say the data fit the DSD; the others are statistical.
    family: Literal["structural", "statistical", "revision"] = "statistical"
    params: Mapping[str, Any] = field(default_factory=dict)
    #: default outcome for the rows found (see :mod:`.flags`); ``flag_status`` the OBS_STATUS code
    #: a ``flag`` sets (CL_OBS_STATUS, e.g. ``E`` estimated, ``U`` low reliability), None for a note only
    outcome: Outcome = "warn"
    flag_status: str | None = None
    related: Related | None = None

    def render(self, found: pd.DataFrame, params: Mapping[str, Any]) -> pd.Series:
        """The message for every finding, built column-wise (no Python loop per finding)."""
        out = pd.Series([""] * len(found), index=found.index, dtype=object)
        for literal, name, spec, _conv in Formatter().parse(self.message):
            out = out + literal
            if name is None:
                continue
            if name in found.columns:
                out = out + as_text(found[name])
            else:
                val = params.get(name, "")
                out = out + (format(val, spec) if spec else str(val))
        return out
