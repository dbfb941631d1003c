"""Errors, as a small family by what the caller should do about them.

Every error carries *where* (file, row, column, key) and *how to fix* it, so that the CLI and
Airflow can print one clear message instead of a traceback.
"""

from __future__ import annotations


class PublishError(Exception):
    """Base class: a problem the user can understand and act on."""

    exit_code = 2

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        self.what, self.where, self.fix = what, where, fix
        super().__init__(self.message())

    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"  fix: {self.fix}")
        return "\n".join(parts)


class SpecError(PublishError):
    """A source spec or mapping file is wrong; nothing was read."""


class InputError(PublishError):
    """A source table cannot be read or does not have the expected shape."""


class StructureError(PublishError):
    """An SDMX structure artefact is missing or inconsistent."""


class ValidationFailed(PublishError):
    """Validation found errors; nothing was published."""

    exit_code = 1


class NotFound(PublishError):
    """A dataflow, release or artefact does not exist."""


class Unsupported(PublishError):
    """A format, parameter or feature we do not support."""
