"""SDMX-JSON 2.0 structure messages, converted from our SDMX-ML 2.1 ones by pysdmx.

pysdmx (BIS) implements the SDMX-JSON 2.0 structure writer; we hand it the same SDMX-ML 2.1
message we would serve, so both formats always say the same thing.
"""

from __future__ import annotations

from io import BytesIO

from ..errors import Unsupported


def to_json(ml21: bytes) -> bytes:
    """The SDMX-JSON 2.0 structure message equivalent to an SDMX-ML 2.1 structure message."""
    try:
        from pysdmx.io import read_sdmx
        from pysdmx.io.format import Format
        from pysdmx.io.writer import write_sdmx
    except ImportError:  # pragma: no cover - pysdmx[xml] is a dependency
        raise Unsupported("SDMX-JSON structures need pysdmx[xml]", fix="pip install 'pysdmx[xml]'") from None
    message = read_sdmx(BytesIO(ml21), validate=False)
    out = write_sdmx(message.structures, Format.STRUCTURE_SDMX_JSON_2_0_0)
    return (out or "").encode("utf-8")
