"""Errors, as a small family by what the caller should do about them.

Every error carries *where* (file, row, column, key) and *how to fix* it, so that the CLI and
Airflow can print one clear message instead of a traceback. The family has two branches:

- :class:`PermanentError`: the same call fails again until someone changes the input, the spec or
  the request (bad spec or input, inconsistent structures, validation failed, not found,
  unsupported). Retrying is pointless; a scheduler should fail the task at once.
- :class:`TransientError`: the call may succeed later without any change (a network timeout, an
  HTTP 5xx or 429 from a source server, a database that cannot be reached, a lock wait that timed
  out). A scheduler may retry it; ``retriable`` says so without an ``isinstance`` ladder.

The CLI's exit code stays the one for the kind of problem (``exit_code``): 1 validation errors,
2 anything else the user can act on, 3 (set by the CLI) an unexpected failure.
"""

from __future__ import annotations


class PublishError(Exception):
    """Base class: a problem the user can understand and act on."""

    exit_code = 2
    retriable = False

    def __init__(self, what: str, *, where: str | None = None, fix: str | None = None) -> None:
        from .redact import redact_text  # a message never carries a URL's password or token

        self.what, self.where, self.fix = (None if t is None else redact_text(t) for t in (what, where, fix))
        super().__init__(self.message())

    def message(self) -> str:
        parts = [f"{self.where}: {self.what}" if self.where else self.what]
        if self.fix:
            parts.append(f"  fix: {self.fix}")
        return "\n".join(parts)


# -- permanent: fix the input, the spec or the request ---------------------------------------


class PermanentError(PublishError):
    """A problem that stays until the input, the spec or the request is changed: do not retry."""


class SpecError(PermanentError):
    """A source spec or mapping file is wrong; nothing was read."""


class InputError(PermanentError):
    """A source table cannot be read or does not have the expected shape."""


class StructureError(PermanentError):
    """An SDMX structure artefact is missing or inconsistent."""


class ValidationFailed(PermanentError):
    """Validation found errors; nothing was published."""

    exit_code = 1


class NotFound(PermanentError):
    """A dataflow, release or artefact does not exist."""


class Unsupported(PermanentError):
    """A format, parameter or feature we do not support."""


# -- transient: try again later ----------------------------------------------------------------


class TransientError(PublishError):
    """A problem outside the input that may pass by itself: retry later (Airflow retries the task).

    Raised for a source URL that times out, cannot be reached or answers 5xx/429, a database
    that refuses or drops the connection, and a lock wait that timed out. Nothing was published.
    """

    retriable = True
