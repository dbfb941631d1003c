"""The sender of every message is the configured agency (``SDMX_PUBLISH_AGENCY``), not a fixed id."""

from __future__ import annotations

import io
import json

import pytest
from lxml import etree

from sdmx_publish.formats import Format, namespace
from sdmx_publish.structure.message import structure_message
from sdmx_publish.write import WriteOptions, write

from .conftest import sdg_frame


@pytest.mark.parametrize("fmt", [Format.ML21_GENERIC, Format.ML21_STRUCTURE_SPECIFIC, Format.JSON20])
def test_data_messages_are_sent_by_the_configured_agency(monkeypatch, sdg_flow, fmt):
    monkeypatch.setenv("SDMX_PUBLISH_AGENCY", "XYZ_STATS")
    assert WriteOptions().sender == "XYZ_STATS"
    out = io.BytesIO()
    write(sdg_frame(1), sdg_flow, fmt, out)
    body = out.getvalue().decode()
    if fmt == Format.JSON20:
        assert json.loads(body)["meta"]["sender"] == {"id": "XYZ_STATS"}
    else:
        assert '<message:Sender id="XYZ_STATS"/>' in body


def test_structure_messages_are_sent_by_the_configured_agency(monkeypatch):
    monkeypatch.setenv("SDMX_PUBLISH_AGENCY", "XYZ_STATS")
    root = etree.fromstring(structure_message([]))
    sender = root.find(f"{{{namespace('2.1', 'message')}}}Header/{{{namespace('2.1', 'message')}}}Sender")
    assert sender.get("id") == "XYZ_STATS"
