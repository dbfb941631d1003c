"""The web front end over the release store: catalogue, explorer, country factsheets, release history.

Server-rendered HTML (Jinja2 templates in ``templates/``) with a little JavaScript
(``static/site.js``) and vendored Vega-Lite for the charts (``static/vendor/``, see its
``VENDOR.md``); mounted under ``/ui/`` by :func:`sdmx_publish.serve.app.create_app`.
"""

from .pages import PREFIX, mount, wants_html

__all__ = ["PREFIX", "mount", "wants_html"]
