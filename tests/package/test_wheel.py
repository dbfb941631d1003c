"""The package installs from a wheel, outside any checkout, and works there: ``sdmx-publish demo`` publishes
and Airflow parses the DAG file, reading the structures and reference tables shipped as package data."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from sdmx_publish import config

pytestmark = pytest.mark.slow

ROOT = config.ROOT


def run(*args: str | Path, cwd: Path, env: dict | None = None, timeout: int = 600) -> str:
    out = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
                         check=False)
    assert out.returncode == 0, f"{args} failed:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel pip builds from this source tree (isolated build, as a user's ``pip wheel .``)."""
    dist = tmp_path_factory.mktemp("dist")
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=dist)
    (path,) = dist.glob("sdmx_publish-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the repository with only the wheel installed; its dependencies are this test
    environment's (a .pth line), so that no dependency is downloaded and no checkout is on the path."""
    home = tmp_path_factory.mktemp("elsewhere")
    run(sys.executable, "-m", "venv", home / "venv", cwd=home)
    python = home / "venv" / "bin" / "python"
    run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=home)
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=home).strip())
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return home / "venv"


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SDMX_PUBLISH_", "AIRFLOW", "PYTHONPATH"))}
    return {**env, "HOME": str(home), **extra}


def test_the_wheel_holds_the_package_data(wheel: Path):
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("sdmx_publish/_data/dsd/CCJS_ICCS_1.0.xml", "sdmx_publish/_data/dsd/IAEG-SDGs_SDG_1.14.xml",
                 "sdmx_publish/_data/reference/m49.csv", "sdmx_publish/_data/reference/iccs/iccs_v1.csv",
                 "sdmx_publish/_data/reference/schemas/v2_1/SDMXMessage.xsd",
                 "sdmx_publish/_data/validation-report.schema.json"):
        assert name in names
    assert not any(n.startswith(("examples/", "countries/", "tests/")) for n in names)


def test_demo_runs_from_the_wheel_outside_the_checkout(venv: Path, tmp_path: Path):
    env = clean_env(tmp_path)
    python = venv / "bin" / "python"
    where = run(python, "-c", "import json, sdmx_publish.config as c; print(json.dumps([c.__file__, str(c.dsd_dir()), "
                "str(c.reference_dir())]))", cwd=tmp_path, env=env)
    module, dsd, reference = json.loads(where)
    assert all(p.startswith(str(venv)) for p in (module, dsd, reference)), where  # nothing from the checkout
    # without --examples, an installed package says what to pass (the examples are not package data)
    missing = subprocess.run([venv / "bin" / "sdmx-publish", "demo", "--store", tmp_path / "none"], cwd=tmp_path,
                             env=env, capture_output=True, text=True, timeout=120, check=False)
    assert missing.returncode == 2 and "--examples" in missing.stderr
    # the examples as a source archive has them: their specs name maps in ../../reference by relative path
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    shutil.copytree(ROOT / "reference", tmp_path / "reference")
    out = run(venv / "bin" / "sdmx-publish", "demo", "--examples", examples, "--store", tmp_path / "store",
              cwd=tmp_path, env=env)
    assert "CCJS:DF_ICCS" in out and "CCJS:DF_SDG_16_CRIME" in out
    assert (tmp_path / "store" / "CCJS" / "DF_ICCS" / "LATEST").is_file()


def test_airflow_parses_the_dags_with_the_wheel(venv: Path, tmp_path: Path):
    dags = tmp_path / "dags"
    dags.mkdir()
    shutil.copy(ROOT / "dags" / "sdmx_publish_dags.py", dags)
    env = clean_env(tmp_path, AIRFLOW_HOME=str(tmp_path / "airflow"), AIRFLOW__CORE__LOAD_EXAMPLES="False",
                    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{tmp_path}/airflow.db",
                    SDMX_PUBLISH_SPECS_DIR=str(ROOT / "countries"), SDMX_PUBLISH_STORE=str(tmp_path / "store"))
    code = ("import json, sys; from airflow.dag_processing.dagbag import DagBag; "
            f"bag = DagBag(dag_folder={str(dags)!r}, safe_mode=False); "
            "import sdmx_publish; print(json.dumps([sorted(bag.dags), bag.import_errors, sdmx_publish.__file__, "
            "'pandas' in sys.modules]))")
    out = run(venv / "bin" / "python", "-c", code, cwd=tmp_path, env=env)
    parsed, errors, module, pandas = json.loads(out.strip().splitlines()[-1])
    assert errors == {} and module.startswith(str(venv)) and pandas is False
    assert parsed == ["publish_countries", "publish_jpn_homicide", "publish_kor_homicide", "publish_phl_homicide",
                      "publish_regional"]
