"""A real release store (published with the real publisher) and a real uvicorn server on loopback.

Store: two releases of CCJS:DF_SDG_16_CRIME (the global SDG DSD 1.14; every code from its
codelists, made-up values) published one after the other (ids and times have microseconds), and one release of CCJS:DF_ICCS.
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import httpx
import pandas as pd
import pytest
import uvicorn
from fastapi import FastAPI

from sdmx_publish.publish import publish
from sdmx_publish.serve.app import create_app
from sdmx_publish.serve.store import read_sdmx_csv
from sdmx_publish.store import Release
from tests.serve.sample import sample_frame

FLOW = "DF_SDG_16_CRIME"


@dataclass
class Published:
    store: Path
    first: Release
    latest: Release
    iccs: Release

    def frame(self, release: Release | None = None) -> pd.DataFrame:
        """The release's observations as published (strings, float OBS_VALUE)."""
        with (release or self.latest).open("data.csv") as f:
            df = read_sdmx_csv(f)
        return df.astype({c: str for c in df.columns if c != "OBS_VALUE"})


@pytest.fixture(scope="session")
def published(tmp_path_factory, registry, sdg_flow, iccs_flow) -> Published:
    store = tmp_path_factory.mktemp("store")
    first, _ = publish(sample_frame(sdg_flow, 120, years=range(2015, 2021), seed=1), sdg_flow, registry,
                       store=store, part="sample")
    frame = sample_frame(sdg_flow, 480, years=range(2015, 2023), seed=2)
    frame.loc[frame.index % 7 == 3, "OBS_STATUS"] = "E"
    latest, _ = publish(frame, sdg_flow, registry, store=store, part="sample")
    iccs, _ = publish(sample_frame(iccs_flow, 60, years=range(2018, 2023), vary=("REF_AREA", "SEX")),
                      iccs_flow, registry, store=store, part="sample")
    return Published(store=store, first=first, latest=latest, iccs=iccs)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app: FastAPI) -> Iterator[str]:
    """Base URL of a real uvicorn server running ``app`` on 127.0.0.1 (in a thread) until the end."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def server(published) -> Iterator[str]:
    """Base URL of a real uvicorn server over the published store, on 127.0.0.1."""
    with running(create_app(published.store)) as url:
        yield url


@pytest.fixture(scope="session")
def http(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=30) as client:
        yield client
