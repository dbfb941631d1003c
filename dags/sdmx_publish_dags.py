"""All sdmx-publish DAGs, generated from the specs folders (``SDMX_PUBLISH_SPECS_DIR``, default ``countries/``).

One ``publish_<part>`` DAG per source spec, ``publish_regional`` (on the national Assets and its own
schedule), ``publish_countries`` (manual runs for one country and a period range), and one
``config_error_<name>`` DAG per broken spec or country file. See docs/airflow.md.
"""

from sdmx_publish.orchestrate.dags import build_all

globals().update(build_all())
