"""SDMX time periods: the one grammar, written once, and what is computed from it.

Each frequency's form (:data:`FORMS`) gives the strict per-frequency patterns the validation checks
observations against (:data:`FREQUENCY_PATTERNS`, :func:`ordinal`: a period's position on its
frequency's time line) and, with the lenient spellings a query may use, the general grammar: the REST
API's ``startPeriod``/``endPeriod`` and ``c[TIME_PERIOD]`` filters, the period range of a rerun, and the
Airflow period params (:data:`PERIOD_PATTERN`).

A period string (``2021``, ``2021-S2``, ``2021-Q3``, ``2021-M07``, ``2021-07``, ``2021-W05``,
``2021-D032``, ``2021-07-15``, ``2021-07-15T10:00:00``) maps to ``[start, end)`` in days. Frames
hold the time dimension as a categorical, so this runs once per distinct period, never per row.
"""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import TYPE_CHECKING

from .errors import PublishError

if TYPE_CHECKING:  # imported where used: the DAG processor uses the grammar without pandas
    import numpy as np
    import pandas as pd

_MONTH, _WEEK, _DAY = r"0[1-9]|1[0-2]", r"0[1-9]|[1-4]\d|5[0-3]", r"0[1-9]|[12]\d|3[01]"

#: each frequency's form after the year, as observations must write it (rule ``time.format``); the
#: named group is the position within the year
FORMS: dict[str, str] = {
    "A": "",
    "S": r"-S(?P<s>[12])",
    "Q": r"-Q(?P<q>[1-4])",
    "M": rf"-(?P<m>{_MONTH})",
    "W": rf"-W(?P<w>{_WEEK})",
    "D": rf"-(?P<mm>{_MONTH})-(?P<dd>{_DAY})",
}
#: an example of each form, for messages
PERIOD_EXAMPLE = {"A": "YYYY", "S": "YYYY-Sn", "Q": "YYYY-Qn", "M": "YYYY-MM", "W": "YYYY-Www", "D": "YYYY-MM-DD"}
#: what a query bound or a rerun's range may write besides: ``2021-A1``, ``2021-M07``, a date-time
_LENIENT = {"A": "(?:-A1)?", "M": rf"-M?(?P<m>{_MONTH})",
            "D": FORMS["D"] + r"(?:T[0-9:.]+(?:Z|[+-]\d\d:\d\d)?)?"}

#: any period: every frequency's form (leniently), and a day of the year (``2021-D032``)
_PERIOD = re.compile(r"^(?P<y>\d{4})(?:" + "|".join(f"{_LENIENT.get(f, form)}$" for f, form in FORMS.items())
                     + r"|-D(?P<d>[0-3]\d\d)$)")
#: each frequency's strict pattern (its form only)
FREQUENCY_PATTERNS: dict[str, re.Pattern[str]] = {f: re.compile(rf"^(?P<y>\d{{4}}){form}$")
                                                  for f, form in FORMS.items()}
#: observations per year of the frequencies counted within a year (a week's year has up to 53)
_PER_YEAR = {"A": 1, "S": 2, "Q": 4, "M": 12, "W": 53}

#: the same grammar as a JSON-schema pattern (no named groups), for the Airflow period params
PERIOD_PATTERN = re.sub(r"\?P<\w+>", "", _PERIOD.pattern)


def ordinal(freq: str, period: object) -> float:
    """Position of ``period`` on its frequency's time line (consecutive periods differ by 1).

    NaN when the period is not written as the frequency's form (or the frequency has none).
    """
    pattern = FREQUENCY_PATTERNS.get(freq)
    m = pattern.match(period) if pattern is not None and isinstance(period, str) else None
    if m is None:
        return math.nan
    year = int(m["y"])
    if freq == "D":
        try:
            return float(date(year, int(m["mm"]), int(m["dd"])).toordinal())
        except ValueError:
            return math.nan
    within = [int(v) for k, v in m.groupdict().items() if k != "y"]  # none for a year
    return float(year * _PER_YEAR[freq] + (within[0] - 1 if within else 0))


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


def parse_period(text: str) -> tuple[date, date] | None:
    """``[start, end)`` of an SDMX period, or None if ``text`` is not one."""
    m = _PERIOD.match(text)
    if m is None:
        return None
    y = int(m["y"])
    try:
        if m["s"]:
            start = date(y, 6 * (int(m["s"]) - 1) + 1, 1)
            return start, _add_months(start, 6)
        if m["q"]:
            start = date(y, 3 * (int(m["q"]) - 1) + 1, 1)
            return start, _add_months(start, 3)
        if m["m"]:
            start = date(y, int(m["m"]), 1)
            return start, _add_months(start, 1)
        if m["w"]:
            start = date.fromisocalendar(y, int(m["w"]), 1)  # ValueError for week 53 of a 52-week year
            return start, start + timedelta(days=7)
        if m["d"]:
            start = date(y, 1, 1) + timedelta(days=int(m["d"]) - 1)
            if start.year != y or m["d"] == "000":
                return None
            return start, start + timedelta(days=1)
        if m["mm"]:
            start = date(y, int(m["mm"]), int(m["dd"]))
            return start, start + timedelta(days=1)
        return date(y, 1, 1), date(y + 1, 1, 1)
    except (ValueError, OverflowError):  # no such day (2021-02-30), or beyond the calendar (0000, 9999-12-31)
        return None


def parse_bound(text: str) -> tuple[date, date] | None:
    """A ``startPeriod``/``endPeriod`` value: any period (a date-time counts as its day)."""
    return parse_period(text)


def bounds(periods: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (``datetime64[D]``) of each distinct period; NaT where a period is unparsable."""
    import numpy as np

    starts = np.full(len(periods), np.datetime64("NaT"), dtype="datetime64[D]")
    ends = starts.copy()
    for i, p in enumerate(periods):
        b = parse_period(str(p))
        if b is not None:
            starts[i], ends[i] = b
    return starts, ends


def overlapping(periods: pd.Index, start: str | None, end: str | None) -> np.ndarray:
    """Which distinct periods overlap ``start``..``end`` (each bound a period, inclusive, either open).

    ``2018-Q3`` is within ``2015``..``2018``; ``2018`` is within ``2018-Q4``..; an unparsable period
    never is. Bounds must be valid periods (see :func:`check_bound`).
    """
    import numpy as np

    s, e = bounds(periods)
    ok = ~np.isnat(s)
    if start:
        ok &= e > np.datetime64(check_bound(start, "start")[0], "D")
    if end:
        ok &= s < np.datetime64(check_bound(end, "end")[1], "D")
    return ok


def in_range(values: pd.Series, start: str | None, end: str | None) -> np.ndarray:
    """Per row, whether its period overlaps ``start``..``end``; computed once per distinct period."""
    if start and end and check_bound(start, "start")[0] >= check_bound(end, "end")[1]:
        raise PublishError(f"the period range {start}..{end} is empty: it ends before it starts",
                           fix="give the earlier period as the start")
    import pandas as pd

    codes, distinct = pd.factorize(values.astype(str))
    return overlapping(pd.Index(distinct), start, end)[codes]


def check_bound(text: str, which: str) -> tuple[date, date]:
    """The interval of a range bound, or an :class:`InputError` saying what a period looks like."""
    b = parse_bound(text)
    if b is None:
        raise PublishError(f"{which} period {text!r} is not an SDMX time period",
                         fix="use e.g. 2015, 2015-S1, 2015-Q3, 2015-07, 2015-W05 or 2015-07-15")
    return b


#: the periods a run's logical date may select (spec key ``run_period``)
RUN_PERIODS = ("year", "quarter", "month")


def period_before(moment: date, unit: str) -> str:
    """The last complete year, quarter or month before ``moment``: a scheduled run on 2025-01-01 (or a
    backfill run with that logical date) publishes ``2024``; on 2025-04-01, ``2025-Q1`` or ``2025-03``."""
    months = moment.year * 12 + moment.month - 1 - {"year": 12, "quarter": 3, "month": 1}[unit]
    year, month = divmod(months, 12)
    if unit == "year":
        return f"{year}"
    if unit == "quarter":
        return f"{year}-Q{month // 3 + 1}"
    return f"{year}-{month + 1:02d}"
