#!/usr/bin/env bash
# The Airflow UI with the sdmx-publish DAGs loaded, in one command (Airflow standalone on SQLite).
#
#   scripts/airflow-standalone.sh            then open http://localhost:8080 (user admin; the password is
#                                            printed and saved in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)
#
# Settings (environment, with these defaults):
#   AIRFLOW_HOME            <repo>/airflow-home   Airflow's config, SQLite DB and logs
#   SDMX_PUBLISH_STORE      <repo>/releases       the release store the DAGs publish into
#   SDMX_PUBLISH_SPECS_DIR  <repo>/countries      folders of source specs the DAGs are generated from
#   AIRFLOW__API__PORT      8080
# For development and demonstrations only: production runs the same dags/ folder on PostgreSQL with the
# Celery or Kubernetes executor (docs/airflow.md).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# The library and its Airflow plugin come from the installed package (pip install -e '.[airflow]' of this
# checkout). Never put the checkout on PYTHONPATH as well: Airflow would find two distributions of
# sdmx-publish (the installed one and the checkout's *.egg-info) and register the plugin twice.
installed="$(python -c 'import pathlib, sdmx_publish; print(pathlib.Path(sdmx_publish.__file__).resolve().parent.parent)' 2>/dev/null || true)"
if [ "$installed" != "$repo" ]; then
  echo "sdmx-publish of this checkout is not installed in this Python (found: ${installed:-none})" >&2
  echo "  fix: pip install -e '$repo[airflow]'" >&2
  exit 2
fi
export AIRFLOW_HOME="${AIRFLOW_HOME:-$repo/airflow-home}"
export AIRFLOW__CORE__DAGS_FOLDER="$repo/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export SDMX_PUBLISH_STORE="${SDMX_PUBLISH_STORE:-$repo/releases}"
export SDMX_PUBLISH_SPECS_DIR="${SDMX_PUBLISH_SPECS_DIR:-$repo/countries}"
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# the workers reach the API server's execution API on the same port
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://localhost:$AIRFLOW__API__PORT/execution/}"
mkdir -p "$AIRFLOW_HOME" "$SDMX_PUBLISH_STORE"
echo "sdmx-publish: DAGs from $SDMX_PUBLISH_SPECS_DIR, releases in $SDMX_PUBLISH_STORE, Airflow home $AIRFLOW_HOME"
exec airflow standalone
