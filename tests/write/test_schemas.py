"""XSD validation: our DSD-specific schema generator against the SDMX TWG's own samples, and
every XML message our writers produce against the official schemas."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from sdmx_publish.errors import StructureError
from sdmx_publish.formats import Format
from sdmx_publish.structure import Dataflow, Flow, Ref, load_registry
from sdmx_publish.structure.read import Registry
from sdmx_publish.write import WriteOptions, write
from tests.schemas import SchemaInvalid, dsd_schema, validate_xml

from .conftest import iccs_frame, sdg_frame

SPECIMENS = Path(__file__).parent / "specimens"
XML_CASES = [(f, o) for f in Format.data() if "-ml-" in f.value
             for o in ("TIME_PERIOD", "AllDimensions", "REF_AREA") if not (f.value.endswith("-ts") and o != "TIME_PERIOD")]


def _urn_codelists(path: Path) -> dict[str, str]:
    """Component id -> codelist id. The ECB sample refers by URN and through concepts' core
    representations, which our light structure reader does not follow; resolve them here."""
    root = etree.parse(str(path)).getroot()
    core = {}
    for concept in root.iter("{*}Concept"):
        urn = concept.findtext("{*}CoreRepresentation/{*}Enumeration/{*}URN")
        if urn:
            core[concept.get("id")] = urn
    out = {}
    for comp in (*root.iter("{*}Dimension"), *root.iter("{*}Attribute")):
        urn = comp.findtext("{*}LocalRepresentation/{*}Enumeration/{*}URN") or core.get(
            (comp.findtext("{*}ConceptIdentity/{*}URN") or "").rsplit(".", 1)[-1])
        if urn:
            out[comp.get("id")] = urn.split(":")[-1].split("(")[0]
    return out


@pytest.fixture(scope="module")
def ecb_flow() -> Flow:
    path = SPECIMENS / "ecb_exr_ng-structure.xml"
    reg = Registry()
    reg.add_file(path)
    dsd = replace(next(iter(reg.dsds.values())), primary_measure="OBS_VALUE")
    by_id = {r.id: cl for r, cl in reg.codelists.items()}
    codelists = {cid: by_id[cl] for cid, cl in _urn_codelists(path).items()}
    assert {"FREQ", "CURRENCY", "OBS_STATUS"} <= set(codelists)
    df = Dataflow(ref=Ref(agency="ECB", id="EXR", version="1.0"), name="Exchange rates", structure=dsd.ref)
    return Flow(dataflow=df, dsd=dsd, codelists=codelists)


@pytest.mark.parametrize("name", ["ecb_exr_ng_flat.xml", "ecb_exr_ng_ts.xml", "ecb_exr_ng_xs.xml"])
def test_generated_schema_accepts_official_samples(ecb_flow: Flow, name: str) -> None:
    validate_xml(SPECIMENS / name, flow=ecb_flow)


def test_generated_schema_rejects_unknown_code(ecb_flow: Flow) -> None:
    text = (SPECIMENS / "ecb_exr_ng_ts.xml").read_bytes().replace(b'CURRENCY="GBP"', b'CURRENCY="XXX"', 1)
    with pytest.raises(SchemaInvalid) as e:
        validate_xml(text, flow=ecb_flow)
    assert "XXX" in str(e.value) and e.value.errors


def test_schema_is_restricted_by_the_dataflow_constraint() -> None:
    flow = load_registry().flow("DF_SDG_16_CRIME")
    allowed = flow.allowed("SERIES")
    outside = next(c for c in sorted(flow.codelists["SERIES"].codes) if c not in allowed)
    xsd = dsd_schema(flow)
    assert 'value="VC_IHR_PSRC"' in xsd and f'value="{outside}"' not in xsd
    frame = sdg_frame()
    frame.loc[frame["SERIES"] == "VC_IHR_PSRCN", "SERIES"] = outside  # a real SDG series, not SDG 16
    buf = io.BytesIO()
    write(frame, flow, Format.ML21_STRUCTURE_SPECIFIC, buf)
    with pytest.raises(SchemaInvalid, match=outside):
        validate_xml(buf.getvalue(), flow=flow)


@pytest.mark.parametrize("fmt,obs", XML_CASES, ids=[f"{f.value}-{o}" for f, o in XML_CASES])
@pytest.mark.parametrize("flow_id", ["DF_SDG_16_CRIME", "DF_ICCS"])
def test_every_xml_we_write_validates(flow_id: str, fmt: Format, obs: str) -> None:
    flow = load_registry().flow(flow_id)
    frame = sdg_frame() if flow_id == "DF_SDG_16_CRIME" else iccs_frame(flow)
    buf = io.BytesIO()
    write(frame, flow, fmt, buf, options=WriteOptions(dimension_at_observation=obs, chunk_rows=5))
    validate_xml(buf.getvalue(), flow=flow)


@pytest.mark.parametrize("detail", ["dataonly", "serieskeysonly", "nodata"])
def test_detail_variants_validate(detail: str) -> None:
    flow = load_registry().flow("DF_SDG_16_CRIME")
    for fmt in (Format.ML21_STRUCTURE_SPECIFIC, Format.ML21_GENERIC, Format.ML30_STRUCTURE_SPECIFIC):
        buf = io.BytesIO()
        write(sdg_frame(), flow, fmt, buf, options=WriteOptions(detail=detail, chunk_rows=7))
        validate_xml(buf.getvalue(), flow=flow)
        text = buf.getvalue().decode()
        assert ("<Obs" in text or "generic:Obs>" in text) == (detail == "dataonly")
        assert ("OBS_STATUS" in text) is False
        assert ("UNIT_MEASURE" in text) == (detail == "nodata")


def test_generic_violation_is_listed() -> None:
    flow = load_registry().flow("DF_SDG_16_CRIME")
    buf = io.BytesIO()
    write(sdg_frame(), flow, Format.ML21_GENERIC, buf)
    broken = buf.getvalue().replace(b"<generic:SeriesKey>", b"<generic:Key>", 1).replace(
        b"</generic:SeriesKey>", b"</generic:Key>", 1)
    with pytest.raises(SchemaInvalid) as e:
        validate_xml(broken)
    assert any("Key" in err for err in e.value.errors)


def test_structure_specific_needs_the_flow() -> None:
    with pytest.raises(StructureError, match="flow="):
        validate_xml(SPECIMENS / "ecb_exr_ng_ts.xml")


def test_not_well_formed() -> None:
    with pytest.raises(SchemaInvalid, match="not well-formed"):
        validate_xml(b"<message:GenericData>")


def test_structure_message_validates() -> None:
    validate_xml(SPECIMENS / "ecb_exr_ng-structure.xml")
