"""The service mounted under a prefix, as Airflow 3's API server mounts plugin apps: links keep the prefix."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from lxml import etree
from starlette.testclient import TestClient

from sdmx_publish.serve.app import create_app


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_mounted_under_a_prefix(published, monkeypatch):
    monkeypatch.setenv("SDMX_PUBLISH_STORE", str(published.store))
    from sdmx_publish.serve.airflow_plugin import (
        URL_PREFIX,
        SdmxPublishPlugin,
        fastapi_app,
    )

    assert SdmxPublishPlugin.fastapi_apps[0]["url_prefix"] == URL_PREFIX
    entry = fastapi_app()
    assert entry["app"].state.holdings.store.root == published.store.resolve()
    parent = FastAPI()
    parent.mount(URL_PREFIX, create_app(published.store))
    with TestClient(parent) as client:
        r = client.get(f"{URL_PREFIX}/sdmx/v1/data/DF_SDG_16_CRIME/all", params={"format": "csv"})
        assert r.status_code == 200 and r.text.startswith("DATAFLOW,")
        feed = etree.fromstring(client.get(f"{URL_PREFIX}/feed.atom").content)
        hrefs = [ln.get("href") for ln in feed.iter("{http://www.w3.org/2005/Atom}link")]
        assert hrefs and all(f"{URL_PREFIX}/" in h for h in hrefs)
        enclosure = next(h for h in hrefs if h.endswith("/data.csv"))
        assert client.get(enclosure.split("testserver", 1)[1]).status_code == 200
