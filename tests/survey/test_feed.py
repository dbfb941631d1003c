"""A published survey estimate is served with its bounds: a real uvicorn server on 127.0.0.1, read by
sdmx1's Client as any SDMX consumer would."""

from __future__ import annotations

import socket
import threading
import time

import pandas as pd
import pytest
import sdmx
import uvicorn

from sdmx_publish import pipeline
from sdmx_publish.serve.app import create_app
from sdmx_publish.store import open_release

from .helpers import toy_spec

pytestmark = pytest.mark.slow


def test_the_feed_serves_the_estimate_with_its_bounds(tmp_path):
    store = tmp_path / "store"
    result = pipeline.run(toy_spec(tmp_path), store)
    published = pd.read_csv(open_release(store / "CCJS" / "DF_SDG_16_CRIME" / "releases" / result["release_id"])
                            .open("data.csv"), dtype=str).set_index("SEX")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(200):
            if server.started:
                break
            time.sleep(0.05)
        sdmx.add_source({"id": "CCJS", "url": f"http://127.0.0.1:{port}/sdmx/v1", "name": "survey test"}, override=True)
        msg = sdmx.Client("CCJS").data("DF_SDG_16_CRIME", key={"SERIES": "VC_SNS_WALN_DRK"})
        got = sdmx.to_pandas(msg, attributes="o").reset_index().set_index("SEX")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert sorted(got.index) == ["F", "M", "_T"]
    for sex in got.index:
        assert float(got.loc[sex, "value"]) == pytest.approx(float(published.loc[sex, "OBS_VALUE"]))
        assert float(got.loc[sex, "LOWER_BOUND"]) == pytest.approx(float(published.loc[sex, "LOWER_BOUND"]))
        assert float(got.loc[sex, "UPPER_BOUND"]) == pytest.approx(float(published.loc[sex, "UPPER_BOUND"]))
        assert float(got.loc[sex, "LOWER_BOUND"]) < float(got.loc[sex, "value"]) < float(got.loc[sex, "UPPER_BOUND"])
    assert got.loc["_T", "UNIT_MEASURE"] == "PT" and got.loc["_T", "NATURE"] == "CA"
