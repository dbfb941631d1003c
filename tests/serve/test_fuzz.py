"""Fuzzing of the REST API from its own OpenAPI description (schemathesis): for every GET operation,
generated paths and query parameters, valid and invalid, against the real server over the test
store. No answer is a server error, and every error is an SDMX error message.

Slow tests only: the quick suite does not even import this module (``SLOW_MODULES`` in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from lxml import etree

from sdmx_publish.serve.app import create_app

#: examples per operation (about 40 operations)
EXAMPLES = 30


# the description does not depend on the store; requests go to the real server (base_url below)
# (schemathesis.pytest.from_fixture does not work with pytest 9: it sets a node attribute pytest dropped)
schema = schemathesis.openapi.from_dict(create_app(Path("no-store")).openapi())


def no_internal_error(ctx, response, case) -> None:
    """No 500 (nor 502-504): of the 5xx statuses only 501, the SDMX answer for what is not implemented."""
    assert response.status_code < 500 or response.status_code == 501, response.text


def sdmx_error_message(ctx, response, case) -> None:
    """A 4xx/5xx answer carries an SDMX error message (SDMX-ML, or SDMX-JSON errors for JSON clients)."""
    if response.status_code < 400 or case.method.upper() == "HEAD":
        return
    media = response.headers.get("content-type", [""])
    media = media[0] if isinstance(media, list) else media
    if media.startswith("application/json"):
        errors = response.json()["errors"]
        assert errors and errors[0]["title"], response.text
        return
    assert media.startswith("application/xml"), f"{response.status_code} answered as {media!r}"
    root = etree.fromstring(response.content)
    message = root.find(".//{*}ErrorMessage")
    assert root.tag.endswith("}Error") and message is not None, response.text
    assert "".join(message.itertext()).strip(), "an error message without text"


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_error_and_sdmx_errors(case, server):
    case.call_and_validate(base_url=server, checks=[no_internal_error, sdmx_error_message])
