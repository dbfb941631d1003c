"""The SDMX REST API (v1 and v2) and Atom feeds over the release store: ``create_app(store)``, ``run(...)``."""

from .app import create_app, run

__all__ = ["create_app", "run"]
