"""The bad-input corpus: each file in ``corpus/`` with its expected outcome in ``corpus/EXPECTED.yaml``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sdmx_publish.validate import validate

CORPUS = Path(__file__).parent / "corpus"
EXPECTED = yaml.safe_load((CORPUS / "EXPECTED.yaml").read_text(encoding="utf-8"))


def load(name: str) -> pd.DataFrame:
    frame = pd.read_csv(CORPUS / name, dtype=str, keep_default_na=False).replace("", np.nan)
    return frame.assign(_source=name, _row=range(2, len(frame) + 2), _column="OBS_VALUE")


def test_every_file_has_an_expectation() -> None:
    assert sorted(EXPECTED) == sorted(p.name for p in CORPUS.glob("*.csv"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str, iccs_flow) -> None:
    want = EXPECTED[name]
    report = validate(load(name), iccs_flow)
    counts = report.findings.groupby("rule").size().to_dict()
    assert counts == want["rules"], report.summary()
    assert report.ok is want["ok"]
    assert len(report.quarantine) == want["quarantined"]
    assert report.quarantine["reason"].str.len().gt(0).all()
