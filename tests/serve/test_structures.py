"""Structure and availability queries (v1 and v2): matching, references, detail; every answer XSD-valid."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.schemas import validate_xml

S = "{http://www.sdmx.org/resources/sdmxml/schemas/v2_1/structure}"


def artefacts(content: bytes) -> set[tuple[str, str, bool]]:
    """(element, id, is stub) of every maintainable artefact in a structure message."""
    root = etree.fromstring(content)
    return {(etree.QName(el).localname, el.get("id"), el.get("isExternalReference") == "true")
            for el in root.iterfind("{*}Structures/*/*")}


def ids(content: bytes) -> set[str]:
    return {i for _, i, _ in artefacts(content)}


@pytest.mark.parametrize("path,want,not_want", [
    ("/sdmx/v1/dataflow", {"DF_SDG_16_CRIME", "DF_ICCS"}, {"SDG"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME/1.0", {"DF_SDG_16_CRIME"}, {"DF_ICCS"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME/latest?references=children", {"DF_SDG_16_CRIME", "SDG"}, {"CL_SEX"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME?references=descendants",
     {"DF_SDG_16_CRIME", "SDG", "CL_SEX", "SDG_CONCEPTS"}, {"CC_SDG_16_CRIME", "DF_ICCS"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME?references=parents", {"DF_SDG_16_CRIME", "CC_SDG_16_CRIME"}, {"SDG"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME?references=all", {"CC_SDG_16_CRIME", "SDG", "CL_AREA"}, {"DF_ICCS"}),
    ("/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME?references=codelist", {"DF_SDG_16_CRIME", "CL_AREA"}, {"SDG"}),
    ("/sdmx/v1/datastructure/IAEG-SDGs/SDG/1.14?references=parents", {"SDG", "DF_SDG_16_CRIME"}, {"CL_SEX"}),
    ("/sdmx/v1/codelist/IAEG-SDGs/CL_SEX?references=parents", {"CL_SEX", "SDG"}, {"DF_SDG_16_CRIME"}),
    ("/sdmx/v1/codelist/IAEG-SDGs/CL_SEX?references=parentsandsiblings", {"CL_SEX", "SDG", "CL_AREA"}, set()),
    ("/sdmx/v1/conceptscheme/all/all/latest", {"SDG_CONCEPTS"}, {"CL_SEX"}),
    ("/sdmx/v1/contentconstraint/CCJS/all/latest?references=children", {"CC_SDG_16_CRIME", "DF_SDG_16_CRIME"}, set()),
    ("/sdmx/v1/codelist/SDMX,IAEG-SDGs/CL_FREQ,CL_SEX", {"CL_FREQ", "CL_SEX"}, {"CL_AREA"}),
    ("/sdmx/v2/structure/dataflow/*/*/~", {"DF_SDG_16_CRIME", "DF_ICCS"}, set()),
    ("/sdmx/v2/structure/dataflow/CCJS/DF_ICCS/1.0?references=descendants", {"DF_ICCS", "ICCS_CJ"}, set()),
    ("/sdmx/v2/structure/codelist/IAEG-SDGs/CL_AREA/*", {"CL_AREA"}, set()),
    # agency scheme, category scheme and categorisations (docs/structures.md)
    ("/sdmx/v1/agencyscheme/SDMX/AGENCIES/1.0", {"AGENCIES"}, {"CAT_CCJS"}),
    ("/sdmx/v2/structure/agencyscheme/SDMX/AGENCIES/~", {"AGENCIES"}, set()),
    ("/sdmx/v1/categoryscheme/CCJS/CAT_CCJS/latest", {"CAT_CCJS"}, {"DF_ICCS"}),
    ("/sdmx/v1/categoryscheme/CCJS/CAT_CCJS?references=parentsandsiblings",
     {"CAT_CCJS", "CAT_DF_ICCS_ICCS_01", "CAT_DF_SDG_16_CRIME_SDG_16_SDG_16_1", "DF_ICCS", "DF_SDG_16_CRIME"}, {"ICCS_CJ"}),
    ("/sdmx/v2/structure/categoryscheme/CCJS/CAT_CCJS/~?references=parentsandsiblings",
     {"CAT_CCJS", "CAT_DF_ICCS_ICCS_11", "DF_ICCS_SUBNAT"}, {"ICCS_CJ"}),
    ("/sdmx/v1/categorisation/CCJS/all/latest", {"CAT_DF_ICCS_ICCS_01", "CAT_DF_SDG_16_CRIME_SDG_16_SDG_16_10"},
     {"DF_ICCS", "CAT_CCJS"}),
    ("/sdmx/v2/structure/categorisation/CCJS/CAT_DF_ICCS_ICCS_01/1.0?references=children",
     {"CAT_DF_ICCS_ICCS_01", "DF_ICCS", "CAT_CCJS"}, {"ICCS_CJ"}),
    ("/sdmx/v1/dataflow/CCJS/DF_ICCS?references=categorisation", {"DF_ICCS", "CAT_DF_ICCS_ICCS_01"},
     {"CAT_CCJS", "ICCS_CJ", "CAT_DF_SDG_16_CRIME_SDG_16_SDG_16_1"}),
])
def test_matching_and_references(http, path, want, not_want):
    r = http.get(path)
    assert r.status_code == 200, r.text
    version = "2.1" if path.startswith("/sdmx/v1/") else "3.0.0"  # the default of each API version
    assert r.headers["content-type"] == f"application/vnd.sdmx.structure+xml;version={version}"
    validate_xml(r.content)
    got = ids(r.content)
    assert want <= got and not (not_want & got)


def test_detail_levels(http):
    base = "/sdmx/v1/dataflow/CCJS/DF_SDG_16_CRIME?references=children"
    full = artefacts(http.get(base).content)
    assert not any(stub for *_, stub in full)
    for detail, main_stub, ref_stub in (("allstubs", True, True), ("referencestubs", False, True),
                                        ("allcompletestubs", True, True), ("referencecompletestubs", False, True)):
        r = http.get(f"{base}&detail={detail}")
        validate_xml(r.content)
        found = {i: stub for _, i, stub in artefacts(r.content)}
        assert found == {"DF_SDG_16_CRIME": main_stub, "SDG": ref_stub}, detail
    stub = etree.fromstring(http.get(f"{base}&detail=allstubs").content).find(f".//{S}DataStructure")
    assert stub.get("structureURL").endswith("/sdmx/v1/datastructure/IAEG-SDGs/SDG/1.14")
    assert stub.find(f"{S}DataStructureComponents") is None


def test_latest_picks_the_newest_version(http):
    r = http.get("/sdmx/v1/codelist/all/all/all")
    versions = {}
    for el in etree.fromstring(r.content).iterfind("{*}Structures/*/*"):
        versions.setdefault(el.get("id"), set()).add(el.get("version"))
    assert all(len(v) == 1 for v in versions.values())  # one version each in the bundled files
    assert len(ids(http.get("/sdmx/v1/codelist/all/all/latest").content)) == len(versions)


def test_v2_availability(http, published):
    r = http.get("/sdmx/v2/availability/dataflow/CCJS/DF_SDG_16_CRIME/1.0/*.*.*.*.F.*.*.*.*.*.*.*.*.*.*/SEX")
    assert r.status_code == 200, r.text
    validate_xml(r.content)
    root = etree.fromstring(r.content)
    cc = root.find(".//{*}DataConstraint")  # SDMX-ML 3.0, the v2 default
    assert cc.get("role") == "Actual"
    # the same header as the 2.1 answer, not the converter's defaults (sender ZZZ, a random id)
    assert root.find(".//{*}Sender").get("id") == "CCJS" and root.findtext(".//{*}ID") == "AVAILABILITY"
    assert [v.text for v in cc.iterfind(".//{*}KeyValue[@id='SEX']/{*}Value")] == ["F"]
    r = http.get("/sdmx/v1/availableconstraint/DF_SDG_16_CRIME/....F........../all/SEX?mode=available")
    values = {v.text for v in etree.fromstring(r.content).iterfind(".//{*}KeyValue[@id='SEX']/{*}Value")}
    assert values == set(published.frame()["SEX"])
    r = http.get("/sdmx/v1/availableconstraint/DF_SDG_16_CRIME/all?references=datastructure")
    assert "SDG" in ids(r.content)
    validate_xml(r.content)
    cc = etree.fromstring(r.content).find(".//{*}ContentConstraint")  # SDMX-ML 2.1 on v1
    assert cc.get("type") == "Actual"


def test_agency_scheme_served_names_our_agency(http):
    r = http.get("/sdmx/v1/agencyscheme/SDMX/AGENCIES/latest")
    agencies = {a.get("id"): a.findtext("{*}Name") for a in etree.fromstring(r.content).iterfind(f".//{S}Agency")}
    assert agencies["CCJS"] == "Crime and Criminal Justice Statistics" and "IAEG-SDGs" in agencies


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["categoryscheme/CCJS/CAT_CCJS", "categorisation/CCJS/*", "agencyscheme/SDMX/AGENCIES"])
def test_category_and_agency_schemes_in_sdmx_ml_30_and_json(http, kind):
    path = f"/sdmx/v2/structure/{kind}/~"
    ml30 = http.get(path)
    assert ml30.headers["content-type"].endswith("version=3.0.0")
    validate_xml(ml30.content)  # the official SDMX-ML 3.0 schemas
    ml21 = http.get(path, headers={"Accept": "application/vnd.sdmx.structure+xml;version=2.1"})
    assert ids(ml30.content) == ids(ml21.content)
    data = http.get(path + "?format=sdmx-json").json()["data"]
    key = {"categoryscheme": "categorySchemes", "categorisation": "categorisations", "agencyscheme": "agencySchemes"}
    assert {a["id"] for a in data[key[kind.split("/")[0]]]} == ids(ml21.content)


@pytest.mark.slow
def test_v2_structures_in_every_format(http):
    path = "/sdmx/v2/structure/dataflow/CCJS/DF_SDG_16_CRIME/~?references=all"
    ml30 = http.get(path)
    validate_xml(ml30.content)  # the official SDMX-ML 3.0 schemas
    assert {"DF_SDG_16_CRIME", "SDG", "CL_SEX", "CC_SDG_16_CRIME"} <= ids(ml30.content)
    ml21 = http.get(path, headers={"Accept": "application/vnd.sdmx.structure+xml;version=2.1"})
    assert ml21.headers["content-type"].endswith("version=2.1") and ids(ml21.content) == ids(ml30.content)
    js = http.get(path + "&format=sdmx-json").json()
    assert {c["id"] for c in js["data"]["codelists"]} == {i for k, i, _ in artefacts(ml21.content) if k == "Codelist"}


@pytest.mark.slow
def test_new_release_and_structures_are_picked_up_without_restart(tmp_path, registry, sdg_flow):
    """A server started on an empty store serves a release published after it started (REFRESH later)."""
    from sdmx_publish.publish import publish
    from sdmx_publish.serve.snapshot import Holdings
    from sdmx_publish.serve.store import REFRESH, Store
    from tests.serve.sample import sample_frame

    now = [0.0]
    holdings = Holdings(Store(tmp_path, clock=lambda: now[0]))
    before = holdings.snapshot()
    assert holdings.store.flows() == []
    publish(sample_frame(sdg_flow, 24, years=range(2015, 2023)), sdg_flow, registry, store=tmp_path, part="p")
    assert holdings.store.flows() == []  # within REFRESH the old list stands
    now[0] += REFRESH + 0.1
    after = holdings.snapshot()
    assert after.tag != before.tag and holdings.store.flows() == [("CCJS", "DF_SDG_16_CRIME")]
