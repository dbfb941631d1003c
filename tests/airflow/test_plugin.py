"""The Airflow plugin: links from a publishing task instance to its release, served by the plugin's
app, which answers only requests with an Airflow login."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from starlette.testclient import TestClient

from .conftest import add_country
from .helpers import airflow_token, run_dag

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]


def test_a_publish_task_links_to_its_release_validation_report_and_mapping_review(specs: Path, store: Path):
    from airflow.models.taskinstancekey import TaskInstanceKey

    from sdmx_publish.publish import latest
    from sdmx_publish.serve.airflow_plugin import (
        URL_PREFIX,
        MappingLink,
        ReleaseLink,
        SdmxPublishPlugin,
        ValidationLink,
    )
    from sdmx_publish.serve.app import create_app

    assert {type(link) for link in SdmxPublishPlugin.global_operator_extra_links} == {
        ReleaseLink, ValidationLink, MappingLink}
    add_country(specs, "kor")
    run = run_dag("publish_kor_homicide")
    release = latest(store, "CCJS", "DF_ICCS")
    key = TaskInstanceKey(dag_id=run.dag_id, task_id="publish", run_id=run.run_id, try_number=1, map_index=-1)
    base = f"{URL_PREFIX}/releases/CCJS/DF_ICCS/{release.id}/"
    assert ReleaseLink().get_link(None, ti_key=key) == base + "manifest.json"
    assert ValidationLink().get_link(None, ti_key=key) == base + "validation.html"
    # the web explorer's release page, at its mapping review
    assert MappingLink().get_link(None, ti_key=key) == f"{URL_PREFIX}/ui/history/CCJS/DF_ICCS/{release.id}#map-h"
    # other tasks have no release: no link
    assert ReleaseLink().get_link(None, ti_key=key._replace(task_id="extract")) == ""
    # the links resolve in the service the plugin mounts
    parent = FastAPI()
    parent.mount(URL_PREFIX, create_app(store))
    with TestClient(parent) as client:
        for link in (ReleaseLink(), ValidationLink(), MappingLink()):
            answer = client.get(link.get_link(None, ti_key=key).split("#")[0])
            assert answer.status_code == 200, (link.name, answer.text[:300])
        assert "html" in client.get(base + "validation.html").headers["content-type"]


def test_the_plugin_app_requires_an_airflow_login_and_a_configured_store(
        specs: Path, store: Path, monkeypatch: pytest.MonkeyPatch):
    from sdmx_publish.serve.airflow_plugin import fastapi_app

    add_country(specs, "kor")
    run_dag("publish_kor_homicide")
    login = {"Authorization": f"Bearer {airflow_token()}"}
    with TestClient(fastapi_app()["app"]) as client:
        assert client.get("/feed.atom").status_code == 401
        bad = client.get("/feed.atom", headers={"Authorization": "Bearer not-a-token"})
        assert bad.status_code == 403 and "fix" in bad.json()
        good = client.get("/sdmx/v1/dataflow/CCJS/DF_ICCS", headers=login)
        assert good.status_code == 200 and b"DF_ICCS" in good.content
    # no store configured on the API server: a 503 that says so, never an empty ./releases
    monkeypatch.delenv("SDMX_PUBLISH_STORE")
    with TestClient(fastapi_app()["app"]) as client:
        answer = client.get("/sdmx/v1/dataflow", headers=login)
        assert answer.status_code == 503 and "SDMX_PUBLISH_STORE" in answer.json()["detail"]
