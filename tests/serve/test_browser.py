"""The web pages in a real headless browser: Debian's chromium driven by Selenium through chromedriver.

Over the demo store (``sdmx-publish demo`` then ``sdmx-publish regional``) served by uvicorn on
127.0.0.1, a user opens the catalogue, picks DF_SDG_16_CRIME, Republic of Korea and VC_IHR_PSRC,
sees the chart with one point per observation, switches to the table and checks values against
the release's data.csv, downloads SDMX-CSV, and opens Korea's factsheet.

Screenshots of the explorer and the factsheet go to a temporary folder, and to ``docs/screenshots/``
when ``SDMX_PUBLISH_SCREENSHOTS=docs`` (how the committed ones were made).
"""

from __future__ import annotations

import base64
import io
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from sdmx_publish import config
from sdmx_publish.cli import main
from sdmx_publish.serve.app import create_app
from sdmx_publish.serve.web.numbers import format_value
from sdmx_publish.store import open_release

from .conftest import running

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1000", "--hide-scrollbars")
KOREA, SERIES = "410", "VC_IHR_PSRC"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    """The demo store with the regional SDG series: what `sdmx-publish demo` and `regional` publish."""
    store = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--store", str(store)]) == 0
    assert main(["regional", "--store", str(store)]) == 0
    return store


@pytest.fixture(scope="module")
def site(demo) -> Iterator[str]:
    with running(create_app(demo)) as url:
        yield url


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(apt-get install -y chromium chromium-driver; .ci/run installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                              "download.prompt_for_download": False})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    yield driver
    driver.quit()


def release_csv(store: Path, flow: str) -> pd.DataFrame:
    """The latest release's data.csv, codes as text."""
    latest = (store / "CCJS" / flow / "LATEST").read_text().strip()
    with open_release(store / "CCJS" / flow / "releases" / latest).open("data.csv") as f:
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
    df["OBS_VALUE"] = pd.to_numeric(df["OBS_VALUE"].replace("", None))
    return df


def wait(driver, css: str, timeout: float = 20.0):
    """The first element matching ``css``, once it exists."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def screenshot(driver, name: str, tmp: Path, height: int) -> None:
    driver.set_window_size(1400, height)
    time.sleep(0.5)  # the charts redraw at the new width
    out = tmp / name
    driver.save_screenshot(str(out))
    if os.environ.get("SDMX_PUBLISH_SCREENSHOTS") == "docs":
        target = config.ROOT / "docs" / "screenshots" / name
        target.parent.mkdir(exist_ok=True)
        shutil.copyfile(out, target)
    driver.set_window_size(1400, 1000)


def test_explore_korea_homicide_rate_then_its_factsheet(browser, site, demo, downloads, tmp_path):
    from selenium.webdriver.common.by import By

    data = release_csv(demo, "DF_SDG_16_CRIME")
    want = data[(data["REF_AREA"] == KOREA) & (data["SERIES"] == SERIES)]
    assert len(want) > 20  # national 2011-2017 by sex and the rates derived from DF_ICCS

    # 1. the catalogue
    browser.get(site + "/ui/")
    card = wait(browser, "article.card[data-flow=DF_SDG_16_CRIME]")
    assert card.find_element(By.CSS_SELECTOR, "dd.obs").text == f"{len(data):,}"

    # 2. pick the dataflow, then Republic of Korea (found by typing in the area filter) and the series
    card.find_element(By.LINK_TEXT, "Explore").click()
    wait(browser, "form.filters")
    area = browser.find_element(By.CSS_SELECTOR, "details[data-dim=REF_AREA]")
    area.find_element(By.TAG_NAME, "summary").click()
    area.find_element(By.CSS_SELECTOR, "input.find").send_keys("Korea")
    visible = [li.text for li in area.find_elements(By.CSS_SELECTOR, "li") if li.is_displayed()]
    assert any("Republic of Korea" in t for t in visible) and len(visible) < 5
    for dim, code in (("REF_AREA", KOREA), ("SERIES", SERIES)):
        details = browser.find_element(By.CSS_SELECTOR, f"details[data-dim={dim}]")
        if details.get_attribute("open") is None:
            details.find_element(By.TAG_NAME, "summary").click()
        box = details.find_element(By.ID, f"f-{dim}-{code}")
        browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
        box.click()
    browser.find_element(By.ID, "apply").click()

    # 3. the chart: one point per observation with a value
    wait(browser, "#series-chart[data-rendered=true]")
    points = browser.find_elements(By.CSS_SELECTOR, "#series-chart g.mark-symbol.role-mark path")
    assert len(points) == want["OBS_VALUE"].notna().sum()
    assert "REF_AREA=410" in browser.current_url and f"SERIES={SERIES}" in browser.current_url
    screenshot(browser, "explorer.png", tmp_path, 1250)

    # 4. the table: three values against data.csv (first, middle and last row)
    browser.find_element(By.ID, "tab-table").click()
    rows = wait(browser, "#data-table").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert len(rows) == len(want)
    for row in (rows[0], rows[len(rows) // 2], rows[-1]):
        sex = row.find_element(By.CSS_SELECTOR, "td[data-c=SEX]").get_attribute("data-code")
        period = row.find_element(By.CSS_SELECTOR, "td[data-c=TIME_PERIOD]").text
        cell = row.find_element(By.CSS_SELECTOR, "td[data-c=OBS_VALUE]")
        expected = want[(want["SEX"] == sex) & (want["TIME_PERIOD"] == period)]["OBS_VALUE"]
        assert len(expected) == 1
        assert float(cell.get_attribute("data-value")) == pytest.approx(expected.iloc[0], rel=1e-12)
        assert cell.text == format_value(expected.iloc[0])

    # 5. download SDMX-CSV through the browser and compare with data.csv
    link = browser.find_element(By.CSS_SELECTOR, "ul.downloads a[data-format='sdmx-csv-1.0']")
    name = link.get_attribute("download")
    link.click()
    target = downloads / name
    deadline = time.time() + 30
    while not (target.is_file() and not list(downloads.glob("*.crdownload"))) and time.time() < deadline:
        time.sleep(0.2)
    got = pd.read_csv(io.StringIO(target.read_text(encoding="utf-8")), dtype=str, keep_default_na=False)
    assert list(got.columns[:2]) == ["DATAFLOW", "FREQ"]
    key = ["SEX", "TIME_PERIOD"]
    got_values = got.set_index(key)["OBS_VALUE"].astype(float).sort_index()
    want_values = want.set_index(key)["OBS_VALUE"].sort_index()
    pd.testing.assert_series_equal(got_values, want_values, check_exact=False, rtol=1e-12)

    # 6. Korea's factsheet: the latest homicide rate
    browser.find_element(By.LINK_TEXT, "Country factsheets").click()
    browser.find_element(By.LINK_TEXT, "Republic of Korea").click()
    latest_row = wait(browser, f"#latest tr[data-series={SERIES}][data-breakdown=Total]")
    total = want[want["SEX"] == "_T"].assign(year=lambda d: d["TIME_PERIOD"].astype(int)).sort_values("year")
    period = latest_row.find_element(By.CSS_SELECTOR, "td.period").text
    value = latest_row.find_element(By.CSS_SELECTOR, "td.num")
    assert period == total["TIME_PERIOD"].iloc[-1]
    assert float(value.get_attribute("data-value")) == pytest.approx(total["OBS_VALUE"].iloc[-1], rel=1e-12)
    wait(browser, f"#trend-{SERIES}[data-rendered=true]")
    wait(browser, "#iccs-profile[data-rendered=true]")
    screenshot(browser, "factsheet.png", tmp_path, 1500)

    # print-friendly: in print media the site navigation and buttons are gone, and the browser makes a PDF
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "nav[aria-label=Site]").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, "button[data-print]").is_displayed()
        assert browser.find_element(By.ID, "latest").is_displayed()
        pdf = base64.b64decode(browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})["data"])
        assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "screen"})


def test_keyboard_alone_reaches_the_filters_and_the_table(browser, site):
    """Tab from the top of the page: the skip link first, then into the filters; Enter on the Table tab."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + f"/ui/data/CCJS/DF_SDG_16_CRIME?REF_AREA={KOREA}&SERIES={SERIES}")
    wait(browser, "#series-chart[data-rendered=true]")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("class") == "skip"
    table_tab = browser.find_element(By.ID, "tab-table")
    for _ in range(400):  # bounded: every focusable element of the page at most once
        browser.switch_to.active_element.send_keys(Keys.TAB)
        if browser.switch_to.active_element == table_tab:
            break
    assert browser.switch_to.active_element == table_tab
    table_tab.send_keys(Keys.ENTER)
    wait(browser, "#data-table")
    assert "view=table" in browser.current_url


def test_release_review_shows_revisions_validation_and_mapping(browser, site, demo):
    """The latest DF_ICCS_SUBNAT release's page: its revisions, validation and the review of each of its maps."""
    from selenium.webdriver.common.by import By

    browser.get(site + "/ui/history/CCJS/DF_ICCS_SUBNAT")
    wait(browser, "#history tbody tr td a").click()
    coverage = wait(browser, "#map-coverage")
    maps = coverage.find_elements(By.CSS_SELECTOR, "tbody tr")
    import json

    rid = (demo / "CCJS" / "DF_ICCS_SUBNAT" / "LATEST").read_text().strip()
    manifest = json.loads((demo / "CCJS" / "DF_ICCS_SUBNAT" / "releases" / rid / "manifest.json").read_text())
    assert manifest["mapping"], "the latest release of the demo's DF_ICCS_SUBNAT maps its source"
    assert [m.find_element(By.CSS_SELECTOR, "td").text for m in maps] == [m["map"] for m in manifest["mapping"]]
    text = browser.find_element(By.TAG_NAME, "main").text
    assert f"{manifest['revisions']['new']:,} new" in text
    assert f"{manifest['validation']['errors']} errors, {manifest['validation']['warnings']} warnings" in text
