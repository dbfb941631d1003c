"""SDMX-JSON 2.0 and SDMX-ML 3.0 structure messages, converted from our SDMX-ML 2.1 ones by pysdmx.

pysdmx (BIS) implements both structure writers; we hand it the same SDMX-ML 2.1 message we would
serve, so every format says the same thing. Its output is put right where the official schemas
disagree with it (constraint URN class in 3.0, dataflow structure URNs and empty groups in JSON).
Conversions are cached by the answer's ETag (a large DSD takes about a second).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from io import BytesIO
from typing import Any

from ..errors import Unsupported
from ..formats import Format

_CACHE: OrderedDict[tuple[str, str], bytes] = OrderedDict()
_LOCK = threading.Lock()
_CACHED = 16


def _fix_json(message: dict[str, Any]) -> dict[str, Any]:
    """Make pysdmx's SDMX-JSON 2.0 valid against the official schema: a dataflow's ``structure``
    must be a full URN, and an empty ``groups`` list must be left out."""
    data = message.get("data", {})
    for df in data.get("dataflows", []):
        ref = df.get("structure", "")
        if ref.startswith("DataStructure="):
            df["structure"] = "urn:sdmx:org.sdmx.infomodel.datastructure." + ref
    for dsd in data.get("dataStructures", []):
        comps = dsd.get("dataStructureComponents", {})
        if comps.get("groups") == []:
            del comps["groups"]
    return message


def _header(ml21: bytes) -> Any:
    """The 2.1 message's ID, test flag and sender, for pysdmx's header (it would say sender ZZZ)."""
    from lxml import etree
    from pysdmx.model import Organisation
    from pysdmx.model.message import Header

    from ..xmlsafe import parser

    head = etree.fromstring(ml21, parser()).find("{*}Header")  # our own message
    if head is None:
        return Header()
    sender = head.find("{*}Sender")
    return Header(id=head.findtext("{*}ID") or "IREF", test=(head.findtext("{*}Test") or "").strip() == "true",
                  sender=Organisation(id=sender.get("id") if sender is not None else "ZZZ"))


def convert(ml21: bytes, media_type: str, tag: str | None = None) -> bytes:
    """The structure message ``ml21`` (SDMX-ML 2.1) in ``media_type`` (SDMX-JSON 2.0 or SDMX-ML 3.0)."""
    key = (tag or "", media_type)
    if tag is not None:
        with _LOCK:
            if key in _CACHE:
                _CACHE.move_to_end(key)
                return _CACHE[key]
    try:
        from pysdmx.io import read_sdmx
        from pysdmx.io.format import Format as PysdmxFormat
        from pysdmx.io.writer import write_sdmx
    except ImportError:  # pragma: no cover - pysdmx[xml] is a dependency
        raise Unsupported("structure conversion needs pysdmx[xml]", fix="pip install 'pysdmx[xml]'") from None
    fmt = {Format.STRUCTURE_JSON20.media_type: PysdmxFormat.STRUCTURE_SDMX_JSON_2_0_0,
           Format.STRUCTURE_ML30.media_type: PysdmxFormat.STRUCTURE_SDMX_ML_3_0}
    if media_type not in fmt:
        raise Unsupported(f"no structure conversion to {media_type}")
    message = read_sdmx(BytesIO(ml21), validate=False)
    text = write_sdmx(message.structures, fmt[media_type], header=_header(ml21)) or ""
    if media_type == Format.STRUCTURE_ML30.media_type:
        text = text.replace("infomodel.registry.ContentConstraint=", "infomodel.registry.DataConstraint=")
        body = text.encode("utf-8")
    else:
        body = json.dumps(_fix_json(json.loads(text)), ensure_ascii=False).encode("utf-8")
    if tag is not None:
        with _LOCK:
            _CACHE[key] = body
            while len(_CACHE) > _CACHED:
                _CACHE.popitem(last=False)
    return body
