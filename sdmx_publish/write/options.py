"""Options shared by every writer (frozen, keyword-only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from .. import config
from ..errors import Unsupported

ALL_DIMENSIONS = "AllDimensions"
Detail = Literal["full", "dataonly", "serieskeysonly", "nodata"]
Labels = Literal["id", "both"]


@dataclass(frozen=True, kw_only=True)
class WriteOptions:
    """How to write a data message.

    ``dimension_at_observation``: ``TIME_PERIOD`` (time series), another dimension id
    (cross-section), or ``AllDimensions`` (flat). ``labels`` applies to SDMX-CSV only.
    ``detail`` follows the SDMX REST parameter; ``serieskeysonly`` and ``nodata`` need a
    series-based message. ``chunk_rows`` bounds memory: rows turned into text at once.
    """

    dimension_at_observation: str = "TIME_PERIOD"
    labels: Labels = "id"
    #: SDMX-CSV 2.0 only: "original" keeps time periods as given (the only one supported)
    time_format: Literal["original"] = "original"
    #: the sending agency; by default the configured one (``SDMX_PUBLISH_AGENCY``)
    sender: str = field(default_factory=config.agency)
    message_id: str | None = None
    prepared: datetime | None = None
    test: bool = False
    detail: Detail = "full"
    #: 10,000 rows keep a chunk's arrays and text in the CPU caches and its text below the size glibc
    #: maps fresh pages for: about half the CPU time of 200,000 at 1M observations (docs/benchmarks-writers.md)
    chunk_rows: int = 10_000
    #: a frame column (e.g. ``_part``) whose values order the rows before the series key: the message
    #: is then each partition's series in turn, so it can be assembled from per-partition fragments
    partition: str | None = None
    #: SDMX-CSV only: attribute columns written even when no row has a value (so that the rows of
    #: frames with different attributes line up under one header)
    csv_attributes: tuple[str, ...] = ()
    #: SDMX-CSV 2.0 only: frame columns that are not components (e.g. ``LAST_CHANGED``), written after
    #: the components as custom columns, which SDMX-CSV 2.0 allows ("any other custom columns")
    custom_columns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.labels not in ("id", "both"):
            raise Unsupported(f"labels={self.labels!r}", fix="use labels='id' or 'both'")
        if self.detail not in ("full", "dataonly", "serieskeysonly", "nodata"):
            raise Unsupported(f"detail={self.detail!r}",
                              fix="use one of full, dataonly, serieskeysonly, nodata")
        if self.time_format != "original":
            raise Unsupported(f"time_format={self.time_format!r}", fix="use time_format='original'")
        if self.chunk_rows < 1:
            raise Unsupported(f"chunk_rows={self.chunk_rows}", fix="use a positive number of rows")

    @property
    def flat(self) -> bool:
        return self.dimension_at_observation == ALL_DIMENSIONS

    @property
    def attributes(self) -> bool:
        """Whether attribute values are written at all."""
        return self.detail in ("full", "nodata")

    @property
    def observations(self) -> bool:
        """Whether observations are written at all."""
        return self.detail in ("full", "dataonly")
