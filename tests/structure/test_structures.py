"""Our structure artefacts: valid against the official XSD, read by sdmx1, built from their sources."""

from __future__ import annotations

import csv
import re
from functools import lru_cache

import pytest
import sdmx
from lxml import etree

from sdmx_publish import config
from sdmx_publish.errors import InputError
from sdmx_publish.structure import Registry
from sdmx_publish.structure.build import build_all, sdg16_series
from sdmx_publish.structure.message import flow_structure_message

DSD_FILES = sorted(config.dsd_dir().glob("*.xml"))


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(config.schema_dir("2.1") / "SDMXMessage.xsd")))


@pytest.mark.parametrize("path", DSD_FILES, ids=lambda p: p.name)
def test_dsd_files_validate_against_the_official_xsd(path):
    assert schema().validate(etree.parse(str(path))), schema().error_log


@pytest.mark.slow
@pytest.mark.parametrize("flow", ["DF_ICCS", "DF_SDG_16_CRIME"])
def test_release_structure_message_is_valid_and_read_by_sdmx1(registry, flow, tmp_path):
    data = flow_structure_message(registry, registry.flow(flow))
    assert schema().validate(etree.fromstring(data)), schema().error_log
    (tmp_path / "s.xml").write_bytes(data)
    msg = sdmx.read_sdmx(tmp_path / "s.xml")
    df = msg.dataflow[flow]
    dsd = df.structure
    assert dsd.id in msg.structure
    dims = [d.id for d in msg.structure[dsd.id].dimensions.components]
    assert dims == [*registry.flow(flow).dsd.dimension_ids, "TIME_PERIOD"]


def test_iccs_codelist_is_the_complete_hierarchical_iccs(iccs_flow):
    with open(config.reference_dir() / "iccs" / "iccs_v1.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 320
    codes = iccs_flow.codelists["ICCS"].codes
    assert set(codes) == {r["code"] for r in rows} | {"_T"}
    assert all(codes[r["code"]].parent == (r["parent"] or None) for r in rows)
    assert (codes["0101"].parent, codes["03011"].parent, codes["030111"].parent) == ("01", "0301", "03011")


def test_sdg_flow_reuses_the_global_dsd_unchanged(sdg_flow):
    assert str(sdg_flow.dsd.ref) == "IAEG-SDGs:SDG(1.14)"
    allowed = sdg_flow.allowed("SERIES")
    assert allowed == frozenset(sdg16_series())
    assert {"VC_IHR_PSRC", "VC_IHR_PSRCN", "VC_PRS_UNSNT", "VC_HTF_DETV"} <= allowed
    assert "VC_DTH_TOCV" not in allowed  # retired in CL_SERIES 1.14
    assert allowed <= set(sdg_flow.codelists["SERIES"].codes)


def test_builder_reproduces_the_committed_structures(tmp_path):
    def strip(text: str) -> str:
        return re.sub(r"<mes:Prepared>.*?</mes:Prepared>", "", text)

    for path in build_all(tmp_path):
        assert strip(path.read_text()) == strip((config.dsd_dir() / path.name).read_text()), path.name


def test_agency_is_a_setting(tmp_path, monkeypatch):
    monkeypatch.setenv("SDMX_PUBLISH_AGENCY", "NSO_KR")
    paths = build_all(tmp_path)
    assert sorted(p.name for p in paths) == ["NSO_KR_ICCS_1.0.xml", "NSO_KR_SDG16_1.0.xml"]
    reg = Registry()
    for p in paths:  # each file holds what it references
        reg.add_file(p)
    assert reg.flow("DF_ICCS").dataflow.ref.agency == "NSO_KR"
    assert reg.flow("DF_ICCS").dsd.ref.agency == "NSO_KR"


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&lol3;</mes:Structure>"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<mes:Structure xmlns:mes="http://www.sdmx.org/resources/sdmxml/schemas/v2_1/message">&xxe;</mes:Structure>"""


@pytest.mark.parametrize("text", [BOMB, XXE], ids=["entity-expansion-bomb", "external-entity"])
def test_hostile_sdmx_ml_is_refused_safely(tmp_path, text):
    path = tmp_path / "hostile.xml"
    path.write_text(text)
    with pytest.raises(InputError, match="DOCTYPE") as e:
        Registry().add_file(path)
    assert "root:" not in str(e.value)


def test_not_a_structure_message(tmp_path):
    path = tmp_path / "x.xml"
    path.write_text("<data/>")
    from sdmx_publish.errors import StructureError
    with pytest.raises(StructureError, match="not an SDMX-ML 2.1 structure message"):
        Registry().add_file(path)
