# sdmx-publish on the official Apache Airflow image: one image for every Airflow component (scheduler,
# dag-processor, api-server, Celery workers), with this package installed from a wheel, so the DSDs,
# reference tables and schemas come as package data (no checkout in the image). docs/airflow.md,
# "Container image", says how to build and run it. Not built in CI: the project's machines have no
# container runtime; tests/package/test_wheel.py checks the same wheel installed outside a checkout.
ARG AIRFLOW_VERSION=3.3.2
ARG PYTHON_VERSION=3.11

# 1. the wheel, built from this source tree
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION} AS wheel
COPY --chown=airflow:root . /home/airflow/src
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /home/airflow/wheels /home/airflow/src

# 2. the image: the wheel with the production extra (Celery provider, Redis client, psycopg2, asyncpg),
#    Airflow itself pinned to the base image's version
FROM apache/airflow:${AIRFLOW_VERSION}-python${PYTHON_VERSION}
ARG AIRFLOW_VERSION
COPY --from=wheel /home/airflow/wheels /tmp/wheels
RUN pip install --no-cache-dir "apache-airflow==${AIRFLOW_VERSION}" \
      "$(ls /tmp/wheels/sdmx_publish-*.whl)[celery]" \
 && rm -rf /tmp/wheels
# the DAG file: three lines that ask the installed package for every DAG
COPY --chown=airflow:root dags/sdmx_publish_dags.py /opt/airflow/dags/sdmx_publish_dags.py
# where a deployment mounts its reviewed country specs and the shared release store (same path everywhere)
ENV SDMX_PUBLISH_SPECS_DIR=/opt/sdmx-publish/countries \
    SDMX_PUBLISH_STORE=/mnt/sdmx-publish/store
