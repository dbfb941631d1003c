"""Source limits: regular files under the source roots only, a declared maximum size, an xlsx that
unpacks to no more than declared, and no content of a refused file in the message."""

from __future__ import annotations

import io
import os
import zipfile

import pytest
import yaml

from sdmx_publish.cli import main
from sdmx_publish.errors import InputError, SpecError
from sdmx_publish.extract import extract
from sdmx_publish.spec import load_spec

from .helpers import TABLE, spec_dict, write_case


def _spec(tmp_path, **source):
    folder = tmp_path / "specs" / "kor"
    folder.mkdir(parents=True)
    path = write_case(folder, TABLE)
    data = yaml.safe_load(path.read_text())
    data["source"].update(source)
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_path_outside_the_source_roots_is_refused_without_echoing_it(tmp_path, capsys):
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:PLANTED-LINE:/root:/bin/bash\n")
    spec = _spec(tmp_path, path=os.path.relpath(secret, tmp_path / "specs" / "kor"))
    assert main(["validate", str(spec), "--report-dir", str(tmp_path / "r"), "--store", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "outside the source roots" in err and "SDMX_PUBLISH_SOURCE_ROOTS" in err and "PLANTED-LINE" not in err


def test_the_source_roots_are_configurable(tmp_path, monkeypatch):
    spec = _spec(tmp_path)
    monkeypatch.setenv("SDMX_PUBLISH_SOURCE_ROOTS", str(tmp_path / "nowhere"))
    with pytest.raises(InputError, match="outside the source roots"):
        extract(load_spec(spec))
    monkeypatch.setenv("SDMX_PUBLISH_SOURCE_ROOTS", f"{tmp_path / 'nowhere'}{os.pathsep}{tmp_path / 'specs'}")
    assert len(extract(load_spec(spec))) == 4


def test_a_specs_folder_may_allow_its_own_source_roots_but_no_escape(tmp_path, monkeypatch, capsys):
    """``source_roots`` in the folder's country.yaml: a relative root is resolved against the folder, an
    absolute one allows a folder elsewhere; a path climbing out of every allowed root is still refused."""
    spec = _spec(tmp_path)
    folder = spec.parent
    (folder / "data").mkdir()
    (folder / "table.csv").rename(folder / "data" / "table.csv")
    shared = tmp_path / "share" / "kor"
    shared.mkdir(parents=True)
    (shared / "table.csv").write_text((folder / "data" / "table.csv").read_text())
    (folder / "table.csv").write_text((folder / "data" / "table.csv").read_text())  # beside the spec: not allowed
    secret = tmp_path / "elsewhere" / "passwd"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:PLANTED-LINE:/root:/bin/bash\n")
    monkeypatch.setenv("SDMX_PUBLISH_SOURCE_ROOTS", str(tmp_path / "nowhere"))  # production: a root elsewhere

    def read(path: str) -> int:
        loaded = load_spec(spec)
        return len(extract(loaded.model_copy(update={"source": loaded.source.model_copy(update={"path": path})})))

    with pytest.raises(InputError, match="outside the source roots") as refused:
        read("data/table.csv")
    assert "source_roots" in refused.value.message() and "country.yaml" in refused.value.message()
    (folder / "country.yaml").write_text(f"name: Korea\nsource_roots: [data, {shared}]\n")
    assert read("data/table.csv") == 4 and read(str(shared / "table.csv")) == 4
    assert read("../../share/kor/table.csv") == 4  # a relative path resolving inside an allowed root
    for escape in ("data/../../../elsewhere/passwd", str(secret), "table.csv"):
        with pytest.raises(InputError, match="outside the source roots") as refused:
            read(escape)
        assert "PLANTED-LINE" not in refused.value.message()
    # a declared root may not climb out of the folder: the escape must be an explicit absolute path
    (folder / "country.yaml").write_text("name: Korea\nsource_roots: [data/../..]\n")
    with pytest.raises(SpecError, match="climbs out of the folder") as bad:
        read("data/table.csv")
    assert str(folder / "country.yaml") in bad.value.message() and "source_roots" in bad.value.message()


@pytest.mark.parametrize(("typo", "key", "meant"), [
    ("source_root: [data]", "source_root", "source_roots"),
    ("notify: {on_failur: false}", "notify.on_failur", "notify.on_failure"),
])
def test_the_cli_refuses_a_misspelt_country_yaml_key_as_the_dag_processor_does(tmp_path, capsys, typo, key, meant):
    """A typo in country.yaml is not ignored by the CLI: exit 2 naming the file, the key and the nearest
    valid key, and nothing published; the DAG processor gives the same error."""
    from sdmx_publish.orchestrate.sources import load_country

    spec = _spec(tmp_path)
    country = spec.parent / "country.yaml"
    country.write_text(f"name: Korea\n{typo}\n")
    store = tmp_path / "store"
    assert main(["run", str(spec), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert str(country) in err and f"key `{key}` is not allowed here" in err and f"did you mean `{meant}`?" in err
    assert not store.exists() or not any(store.rglob("manifest.json"))
    with pytest.raises(SpecError) as dag:
        load_country(spec.parent)
    assert f"did you mean `{meant}`?" in dag.value.message()


def test_the_dag_processor_accepts_source_roots_in_country_yaml(tmp_path):
    from sdmx_publish.orchestrate.sources import load_country

    (tmp_path / "country.yaml").write_text("name: Korea\nm49: '410'\nsource_roots: [data, /srv/tables]\n")
    assert load_country(tmp_path).source_roots == ["data", "/srv/tables"]
    (tmp_path / "country.yaml").write_text("name: Korea\nsource_roots: [../other]\n")
    with pytest.raises(SpecError, match="climbs out of the folder"):
        load_country(tmp_path)


def test_a_fifo_is_refused_at_once(tmp_path):
    spec = _spec(tmp_path)
    fifo = spec.parent / "pipe.csv"
    os.mkfifo(fifo)
    loaded = load_spec(spec).model_copy(update={"source": load_spec(spec).source.model_copy(update={"path": "pipe.csv"})})
    with pytest.raises(InputError, match="not a regular file"):
        extract(loaded)  # would hang forever if it were opened


def test_a_url_of_dev_zero_stops_at_max_bytes(tmp_path):
    spec = _spec(tmp_path, max_bytes=4096)
    data = yaml.safe_load(spec.read_text())
    data["source"].pop("path")
    data["source"]["url"] = "file:///dev/zero"
    spec.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"larger than source.max_bytes \(4,096 bytes\)"):
        extract(load_spec(spec))


def test_a_file_larger_than_declared_is_refused(tmp_path):
    with pytest.raises(InputError, match="larger than source.max_bytes"):
        extract(load_spec(_spec(tmp_path, max_bytes=20)))


def test_an_xlsx_zip_bomb_is_refused_before_it_is_opened(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (8 * 2**20))  # 8 MiB of zeros, a few KB packed
    folder = tmp_path / "specs" / "kor"
    folder.mkdir(parents=True)
    spec = write_case(folder, buf.getvalue(), name="t.xlsx",
                      spec=spec_dict("t.xlsx", format="xlsx", max_unpacked_bytes=2**20))
    assert len(buf.getvalue()) < 100_000
    with pytest.raises(InputError, match=r"unpacks to 8,388,608 bytes, more than source.max_unpacked_bytes"):
        extract(load_spec(spec))
