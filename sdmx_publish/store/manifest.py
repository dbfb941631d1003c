"""The release manifest: one typed, frozen model written by the publisher and read by the server.

``manifest.json`` is this model as JSON. Keys the model does not name (e.g. ``transform``,
``coverage``, ``derivation``) are kept as they are (``extra="allow"``) and written after the named ones.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, field_serializer, model_serializer

from ..structure.model import Ref


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ArtefactRef(_Frozen):
    """A maintainable artefact: the dataflow, or the data structure it uses."""

    agency: str
    id: str
    version: str

    @classmethod
    def of(cls, ref: Ref) -> ArtefactRef:
        return cls(agency=ref.agency, id=ref.id, version=ref.version)

    def ref(self) -> Ref:
        return Ref(agency=self.agency, id=self.id, version=self.version)


class Segment(_Frozen):
    """Bytes ``[start, end)`` of a file of the same release."""

    path: str
    start: int
    end: int


class FileEntry(_Frozen):
    """One file of a release, relative to its folder, with its checksum.

    ``body`` (a part's data files only): the byte range of its series or rows, without the message's
    header and footer, from which the whole dataflow's file is assembled.
    ``segments`` (the whole dataflow's data files only): the file is not on disk but the concatenation
    of these byte ranges of the parts' files (each listed with its own sha256), read by
    :mod:`.assembled`; its ``sha256`` is then None (hashing it would cost as much as writing it).
    """

    path: str
    format: str
    media_type: str = "application/octet-stream"
    sha256: str | None
    bytes: int
    observations: int = 0
    body: tuple[int, int] | None = None
    segments: list[Segment] | None = None

    @model_serializer(mode="wrap")
    def _omit_none(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        out = handler(self)
        for k in ("body", "segments"):
            if out.get(k) is None:
                out.pop(k, None)
        return out


class ValidationEntry(_Frozen):
    """The validation report of the part a release published."""

    errors: int
    warnings: int
    report: str | None = None


class Manifest(BaseModel):
    """What a release holds and where it came from (``docs/architecture.md``, "Release store layout")."""

    model_config = ConfigDict(frozen=True, extra="allow")

    release_id: str
    dataflow: ArtefactRef
    structure: ArtefactRef
    created: datetime
    content_sha256: str
    observations: int
    previous_release: str | None = None
    part: str | None = None
    parts: list[str] = []
    run: dict[str, Any] = {}
    files: list[FileEntry] = []
    sources: list[dict[str, Any]] = []
    validation: ValidationEntry | None = None
    part_validation: dict[str, dict[str, Any]] = {}
    revisions: dict[str, Any] | None = None
    #: the content hash of each part (the release's ``content_sha256`` is made from them)
    part_sha256: dict[str, str] = {}

    @field_serializer("created")
    def _created(self, value: datetime) -> str:
        return iso(value)

    @property
    def extra(self) -> dict[str, Any]:
        """The keys the model does not name, as they were written."""
        return dict(self.__pydantic_extra__ or {})

    def file(self, path: str) -> FileEntry | None:
        return next((f for f in self.files if f.path == path), None)

    def to_json(self) -> str:
        return json.dumps(self.model_dump(), indent=2, ensure_ascii=False, default=str)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls.model_validate_json(Path(path).read_bytes())


def iso(t: datetime) -> str:
    """UTC ISO 8601 with a ``Z``: seconds, and microseconds when there are any."""
    t = t.astimezone(UTC)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if t.microsecond else "%Y-%m-%dT%H:%M:%SZ")
