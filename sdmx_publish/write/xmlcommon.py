"""What SDMX-ML data messages share: namespaces, the header, attribute-text tables.

Facts (namespaces, URNs) are data here; the writers in :mod:`.ss` and :mod:`.generic` only
assemble text.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import numpy as np

from ..formats import DATAFLOW_URN, DSD_URN, ML_NAMESPACES
from ..structure.model import Flow, Ref
from .frame import Column, Prepared
from .options import ALL_DIMENSIONS, WriteOptions
from .text import concat, full, table, xml_escape

V21, V30 = ML_NAMESPACES["2.1"], ML_NAMESPACES["3.0"]


def urn(prefix: str, ref: Ref) -> str:
    return f"{prefix}{ref.agency}:{ref.id}({ref.version})"


def structure_id(ref: Ref) -> str:
    """An xs:ID naming the structure in the header, referred to by the DataSet."""
    return f"{ref.agency}_{ref.id}_{ref.version}".replace(".", "_")


def ss_namespace(flow: Flow, options: WriteOptions) -> str:
    """Namespace of the DSD-specific schema: DSD URN plus the observation level."""
    obs = ALL_DIMENSIONS if options.flat else options.dimension_at_observation
    return f"{urn(DSD_URN, flow.dsd.ref)}:ObsLevelDim:{obs}"


def header(flow: Flow, options: WriteOptions, *, version: str = "2.1", namespace: str | None = None) -> str:
    """``<message:Header>``: ID, Test, Prepared, Sender and the Structure: the dataflow the data are
    reported against (``StructureUsage``), as SDMX REST services answer a dataflow query; the DSD is
    reachable from it and named by the structure-specific ``namespace``."""
    mid = options.message_id or "IREF" + uuid.uuid4().hex[:16].upper()
    prepared = (options.prepared or datetime.now(timezone.utc)).astimezone(timezone.utc)
    df = flow.dataflow.ref
    obs = ALL_DIMENSIONS if options.flat else options.dimension_at_observation
    ns_attr = f' namespace="{xml_escape(namespace)}"' if namespace else ""
    if version == "2.1":
        ref = (f'<common:StructureUsage><Ref agencyID="{xml_escape(df.agency)}" id="{xml_escape(df.id)}"'
               f' version="{xml_escape(df.version)}" class="Dataflow" package="datastructure"/></common:StructureUsage>')
    else:
        ref = f"<common:StructureUsage>{xml_escape(urn(DATAFLOW_URN, df))}</common:StructureUsage>"
    return (
        "<message:Header>\n"
        f"<message:ID>{xml_escape(mid)}</message:ID>\n"
        f"<message:Test>{'true' if options.test else 'false'}</message:Test>\n"
        f"<message:Prepared>{prepared.strftime('%Y-%m-%dT%H:%M:%SZ')}</message:Prepared>\n"
        f'<message:Sender id="{xml_escape(options.sender)}"/>\n'
        f'<message:Structure structureID="{structure_id(flow.dsd.ref)}"{ns_attr} dimensionAtObservation="{obs}">'
        f"{ref}</message:Structure>\n"
        "</message:Header>\n"
    )


class AttrText:
    """Builds ``' ID="value"'`` text for coded columns, one lookup table per column."""

    def __init__(self) -> None:
        self._tables: dict[str, np.ndarray] = {}

    def table(self, col: Column) -> np.ndarray:
        t = self._tables.get(col.id)
        if t is None:
            t = self._tables[col.id] = table(col.values, lambda v, c=col.id: f' {c}="{xml_escape(v)}"')
        return t

    def of(self, cols: list[Column], pos: np.ndarray) -> np.ndarray:
        """Per position, the XML attributes of ``cols`` (missing values left out)."""
        if not cols:
            return full(len(pos), "")
        return concat([self.table(c)[c.codes[pos]] for c in cols])


def value_columns(prep: Prepared) -> tuple[list[Column], list[Column], list[Column]]:
    """(group key dimensions, series attributes, observation attributes) as Columns."""
    return ([prep.dims[d] for d in prep.group_dims], prep.attrs_at("series"), prep.attrs_at("observation"))
