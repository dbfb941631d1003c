#!/usr/bin/env bash
# The Airflow UI with the sdmx-publish DAGs loaded, in one command (Airflow standalone on SQLite).
#
#   scripts/airflow-standalone.sh            then open http://localhost:8080 (user admin; the password is
#                                            printed and saved in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)
#
# Settings (environment, with these defaults):
#   AIRFLOW_HOME            <repo>/airflow-home            Airflow's config, SQLite DB and logs
#   SDMX_PUBLISH_STORE      $AIRFLOW_HOME/releases         the release store the DAGs publish into (not the
#                                                          Quick start's ./releases, whose example parts
#                                                          claim the same observations as countries/)
#   SDMX_PUBLISH_SPECS_DIR  <repo>/countries               folders of source specs the DAGs are generated from
#   AIRFLOW__API__PORT      8080
# It runs the Python of the activated virtual environment, else <repo>/.venv, else python3 on PATH; migrates
# the metadata DB and creates one pool per dataflow (`sdmx-publish pools`, idempotent) before starting.
# For development and demonstrations only: production runs the same dags/ folder on PostgreSQL with the
# Celery or Kubernetes executor (docs/airflow.md).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -n "${VIRTUAL_ENV:-}" ] && [ -x "$VIRTUAL_ENV/bin/python" ]; then
  python="$VIRTUAL_ENV/bin/python"
elif [ -x "$repo/.venv/bin/python" ]; then
  python="$repo/.venv/bin/python"
else
  python="$(command -v python3 || command -v python || true)"
fi
fix="  fix: python3.11 -m venv '$repo/.venv' && '$repo/.venv/bin/pip' install -e '$repo[airflow]'
       (or activate the virtual environment where this checkout is installed)"
if [ -z "$python" ]; then
  echo "no Python found (no activated virtual environment, no $repo/.venv, no python3 on PATH)" >&2
  echo "$fix" >&2
  exit 2
fi
# The library and its Airflow plugin come from the installed package (pip install -e '.[airflow]' of this
# checkout). Never put the checkout on PYTHONPATH as well: Airflow would find two distributions of
# sdmx-publish (the installed one and the checkout's *.egg-info) and register the plugin twice.
# Checked from / so that the checkout in the current folder cannot pass for an installed package.
installed="$(cd / && "$python" -c 'import pathlib, sdmx_publish; print(pathlib.Path(sdmx_publish.__file__).resolve().parent.parent)' 2>/dev/null || true)"
if [ "$installed" != "$repo" ]; then
  echo "sdmx-publish of this checkout is not installed in $python (found: ${installed:-none})" >&2
  echo "$fix" >&2
  exit 2
fi
bin="$(dirname "$python")"
if [ ! -x "$bin/airflow" ] || [ ! -x "$bin/sdmx-publish" ]; then
  echo "Airflow is not installed beside $python (no $bin/airflow)" >&2
  echo "  fix: '$bin/pip' install -e '$repo[airflow]'" >&2
  exit 2
fi
export PATH="$bin:$PATH"  # airflow standalone starts its components as `airflow ...`
export AIRFLOW_HOME="${AIRFLOW_HOME:-$repo/airflow-home}"
export AIRFLOW__CORE__DAGS_FOLDER="$repo/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export SDMX_PUBLISH_STORE="${SDMX_PUBLISH_STORE:-$AIRFLOW_HOME/releases}"
export SDMX_PUBLISH_SPECS_DIR="${SDMX_PUBLISH_SPECS_DIR:-$repo/countries}"
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
# the workers reach the API server's execution API on the same port
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://localhost:$AIRFLOW__API__PORT/execution/}"
mkdir -p "$AIRFLOW_HOME" "$SDMX_PUBLISH_STORE"
echo "sdmx-publish: DAGs from $SDMX_PUBLISH_SPECS_DIR, releases in $SDMX_PUBLISH_STORE, Airflow home $AIRFLOW_HOME"
# A publishing task runs in its dataflow's pool, and a task whose pool does not exist is never scheduled:
# one pool for every dataflow of the structures, so a spec for another dataflow added later publishes too.
echo "sdmx-publish: migrating the metadata DB (log: $AIRFLOW_HOME/db-migrate.log), then the pools"
airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -n 30 "$AIRFLOW_HOME/db-migrate.log" >&2; exit 1; }
sdmx-publish pools > "$AIRFLOW_HOME/pools.json"
airflow pools import "$AIRFLOW_HOME/pools.json"
exec airflow standalone
