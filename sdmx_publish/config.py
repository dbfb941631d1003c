"""Settings, each with a documented default and an environment variable to change it."""

from __future__ import annotations

import base64
import os
from importlib.resources import files
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .yamlmodel import load_yaml_model

#: Package data, shipped in the wheel: ``dsd/`` (structure messages), ``reference/`` (M49, ICCS,
#: population, SDG tables, the official SDMX-ML schemas) and the validation report's JSON schema.
#: In a checkout these are links to the repository's folders of the same names.
DATA = Path(str(files("sdmx_publish") / "_data"))

#: The repository root of a checkout (``examples/``, ``countries/``, ``docs/``); not part of an installed
#: wheel: code that runs from a wheel reads only :data:`DATA` and what its settings name.
ROOT = Path(__file__).resolve().parent.parent

#: Maintenance agency of our own structures (ICCS DSD, codelists, dataflows).
#: Default ``CCJS`` (Crime and Criminal Justice Statistics); set ``SDMX_PUBLISH_AGENCY`` to change it
#: and run ``sdmx-publish structures`` to regenerate ``dsd/``.
DEFAULT_AGENCY = "CCJS"

#: Where the command line's releases go when neither ``--store`` nor ``SDMX_PUBLISH_STORE`` is given.
DEFAULT_STORE = "releases"
#: environment variable naming the release store
STORE_ENV = "SDMX_PUBLISH_STORE"


#: Name of the agency in the agency scheme of our structures (``SDMX_PUBLISH_AGENCY_NAME`` to change it).
DEFAULT_AGENCY_NAME = "Crime and Criminal Justice Statistics"


def agency() -> str:
    """The maintenance agency of our own structures."""
    return os.environ.get("SDMX_PUBLISH_AGENCY", DEFAULT_AGENCY)


def agency_name() -> str:
    """The name of the maintenance agency, as our agency scheme gives it."""
    return os.environ.get("SDMX_PUBLISH_AGENCY_NAME", DEFAULT_AGENCY_NAME)


def store_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The release store: ``--store``, else ``SDMX_PUBLISH_STORE``, else ``./releases``."""
    return Path(explicit or os.environ.get(STORE_ENV, DEFAULT_STORE)).resolve()


def configured_store() -> Path:
    """The release store of a deployment (Airflow): ``SDMX_PUBLISH_STORE``, required, never a default.

    A worker falling back to ``./releases`` would publish on its own disk where nobody else looks.
    """
    from .errors import PublishError

    value = os.environ.get(STORE_ENV)
    if not value:
        raise PublishError(f"{STORE_ENV} is not set: no release store configured on this Airflow component",
                          fix=f"set {STORE_ENV} to the shared store (the same POSIX path on the scheduler, "
                              "dag-processor, api-server and every worker; docs/airflow.md, Production)")
    return Path(value).resolve()


def population_file(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """Population table for derived SDG rates and regional weights: ``--population``, else
    ``SDMX_PUBLISH_POPULATION``, else None (the bundled World Bank table)."""
    value = explicit or os.environ.get("SDMX_PUBLISH_POPULATION")
    return Path(value).resolve() if value else None


def dsd_dir() -> Path:
    """Folder of SDMX-ML structure messages: ``SDMX_PUBLISH_DSD_DIR`` or the bundled ``dsd/``."""
    return Path(os.environ.get("SDMX_PUBLISH_DSD_DIR", DATA / "dsd"))


def reference_dir() -> Path:
    """Bundled reference material (schemas, ICCS, M49, population), package data."""
    return DATA / "reference"


def schema_dir(version: str = "2.1") -> Path:
    """Official SDMX-ML XML schemas for ``version`` (``2.1`` or ``3.0``)."""
    return reference_dir() / "schemas" / ("v2_1" if version == "2.1" else "v3_0")


def report_schema() -> Path:
    """JSON schema of ``validation.json`` (package data; ``docs/validation-report.schema.json`` in a checkout)."""
    return DATA / "validation-report.schema.json"


#: a specs folder's own file: its owner (a country, :class:`sdmx_publish.orchestrate.sources.Country`), its
#: notifications and the settings the pipeline reads (:class:`FolderSettings`)
FOLDER_FILE = "country.yaml"
#: environment variable naming the source roots (folders separated by ``os.pathsep``)
SOURCE_ROOTS_ENV = "SDMX_PUBLISH_SOURCE_ROOTS"


class Channel(BaseModel):
    """One way a country is notified, through an Airflow notifier; credentials stay in the Connection."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    conn_id: str = Field(description="Airflow Connection holding the server, URL and credentials")
    to: list[str] = Field(default_factory=list, description="recipients (smtp)")
    channel: str | None = Field(None, description="channel (slack)")


class Notify(BaseModel):
    """Where and when a country's notifications go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    on_failure: bool = True
    on_warnings: bool = True
    log: str | None = Field(None, description="JSON-lines file, relative to the release store")
    webhook: Channel | None = Field(None, description="an HTTP Connection each notification is POSTed to as JSON")
    smtp: Channel | None = Field(None, description="e-mail through the SMTP provider's SmtpNotifier")
    slack: Channel | None = Field(None, description="Slack through the Slack provider's SlackWebhookNotifier")
    apprise: Channel | None = Field(None, description="any Apprise service through the Apprise provider")

    @field_validator("webhook", mode="before")
    @classmethod
    def _no_urls(cls, v: object) -> object:
        if isinstance(v, str):
            raise ValueError("a URL in country.yaml is not allowed (it may carry a token): put it in an Airflow "
                             "Connection and write `webhook: {conn_id: <connection id>}`")
        return v


class FolderSettings(BaseModel):
    """A specs folder's ``country.yaml``: every key it may have, so that the CLI refuses a misspelt key as
    the DAG processor does (naming the key it is closest to). The pipeline reads ``source_roots``; the
    DAGs' :class:`sdmx_publish.orchestrate.sources.Country` also requires ``name`` and checks ``m49``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = Field(None, description="the folder's owner, e.g. a country")
    m49: str | None = Field(None, description="M49 code of the country (reference/m49.csv)")
    notify: Notify = Field(default_factory=Notify)
    source_roots: list[str] = Field(default_factory=list, description="folders the folder's specs may read "
                                    "source files from, besides the configured source roots: absolute, or "
                                    "relative to the folder (without '..'); ${VAR} is an environment variable")

    @field_validator("source_roots")
    @classmethod
    def _no_climbing(cls, v: list[str]) -> list[str]:
        for entry in v:
            if not Path(entry).is_absolute() and ".." in Path(entry).parts:
                raise ValueError(f"the source root {entry!r} climbs out of the folder with '..': write the absolute "
                                 "path of a folder outside it, so that the escape is explicit")
        return v

    def roots(self, folder: Path) -> list[Path]:
        """The declared roots as resolved folders (a relative one against ``folder``); ``${VAR}`` is the
        environment variable's value, and an entry naming an unset variable allows nothing."""
        expanded = (os.path.expandvars(entry) for entry in self.source_roots)
        return [(folder / entry).resolve() for entry in expanded if "$" not in entry]


def folder_settings(folder: Path) -> FolderSettings:
    """The settings of a specs folder (its ``country.yaml``; defaults without one)."""
    path = folder / FOLDER_FILE
    if not path.is_file():
        return FolderSettings()
    return load_yaml_model(path, FolderSettings, example="countries/kor/country.yaml")


def source_roots(spec_folder: Path) -> list[Path]:
    """The folders a spec in ``spec_folder`` may read source files from: ``SDMX_PUBLISH_SOURCE_ROOTS`` (by
    default the folder above the spec's folder, e.g. ``countries/``, and the checkout or installed tree),
    plus the ``source_roots`` its folder's ``country.yaml`` allows."""
    env = os.environ.get(SOURCE_ROOTS_ENV)
    configured = ([Path(p).resolve() for p in env.split(os.pathsep) if p] if env
                  else [spec_folder.resolve().parent, ROOT])
    return configured + folder_settings(spec_folder).roots(spec_folder)


def http_request(conn: Any) -> tuple[str, dict[str, str]]:
    """The URL and headers of an Airflow HTTP Connection, as the HTTP provider reads it: the host is a URL,
    or host and port with ``schema`` the scheme (default https); login and password are basic auth; the
    extra's entries are headers. Used for notification webhooks and ``airflow:CONN_ID`` source URLs."""
    host = conn.host or ""
    url = host if "://" in host else f"{conn.schema or 'https'}://{host}{f':{conn.port}' if conn.port else ''}"
    headers = {str(k): str(v) for k, v in conn.extra_dejson.items() if isinstance(v, (str, int, float))}
    if conn.login or conn.password:
        token = base64.b64encode(f"{conn.login or ''}:{conn.password or ''}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    return url, headers
