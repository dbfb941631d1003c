"""A rule parameter of the wrong kind (a YAML alias copying a mapping, a text for a number) is a
SpecError naming the rule, the parameter and an example, never a TypeError inside a rule."""

from __future__ import annotations

import pytest
import yaml

from sdmx_publish.errors import SpecError
from sdmx_publish.validate import RuleConfig

ALIASED = """
rules:
  series.outlier: &outlier {threshold: 3.0}
  series.break: {threshold: *outlier}
"""


@pytest.mark.parametrize("text, message", [
    (ALIASED, "series.break.threshold must be a number, not a mapping"),
    ("rules: {revision.large: {threshold: '10%'}}", "revision.large.threshold must be a number, not a text"),
    ("rules: {revision.deleted_share: {max_share: [0.1]}}", "max_share must be a number, not a list"),
])
def test_a_parameter_of_the_wrong_kind_is_a_spec_error(text, message):
    with pytest.raises(SpecError, match=message) as e:
        RuleConfig.from_dict(yaml.safe_load(text), where="kor.yaml: validation")
    assert "kor.yaml: validation" in e.value.message() and "fix: e.g." in e.value.message()


def test_numbers_are_interchangeable():
    cfg = RuleConfig.from_dict({"rules": {"revision.large": {"threshold": 1}}})
    assert cfg.settings("revision.large").params["threshold"] == 1
