"""The real chat page in headless Chromium (Debian's chromium + chromium-driver, driven by Selenium)."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from web_server import ROOT, LiveServer, write_web_config

from knowledge.loader import load_faq_strict
from shebao.config import load_config

WIDTH = 375
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
         f"--window-size={WIDTH},800"]


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail("the browser test needs Debian's chromium and chromium-driver: "
                    "apt-get install -y chromium chromium-driver (tools/test.sh installs them)")
    return chromium, driver


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    from shebao.services import build_services

    folder = tmp_path_factory.mktemp("web")
    cfg = load_config(write_web_config(folder))
    cfg.raw["limits"] = {"burst": 50, "per_minute": 600}  # one browser asks many questions quickly
    with LiveServer(cfg, build_services(cfg)) as server:
        server.db = folder / "web.db"
        yield server


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium, driver_path = _browser_paths()
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": WIDTH, "height": 800, "deviceScaleFactor": 2, "mobile": True})
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, site):
    browser.get(site.url + "/")
    browser.execute_script("localStorage.clear()")
    browser.get(site.url + "/")
    return browser


@pytest.fixture(scope="module")
def faq():
    return {e.id: e for e in load_faq_strict(ROOT / "knowledge" / "faq")}


def wait(driver, condition, timeout=20):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def last_answer(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#log .turn .at")[-1].text


def press(driver, element):
    """Scroll ELEMENT above the sticky question box, as a thumb would, and tap it."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def type_and_send(driver, text):
    count = len(driver.find_elements(By.CSS_SELECTOR, "#log .turn"))
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.CSS_SELECTOR, "#ask .send").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log .turn")) == count + 1)
    wait(driver, lambda d: "正在查" not in last_answer(d))
    return last_answer(driver)


def tap(driver, label):
    count = len(driver.find_elements(By.CSS_SELECTOR, "#log .turn"))
    button = next(b for b in driver.find_elements(By.CSS_SELECTOR, "#log .choices button") if b.text == label)
    press(driver, button)
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#log .turn")) == count + 1)
    wait(driver, lambda d: "正在查" not in last_answer(d))
    return last_answer(driver)


def test_a_question_gets_its_answer_with_source_and_date(page, faq):
    entry = faq["work_injury_standalone"]
    answer = type_and_send(page, "工伤保险可以单独买吗")
    assert entry.source in answer and entry.as_of.isoformat() in answer


def test_a_question_holding_a_script_tag_stays_text(page):
    question = "<script>window.hacked = 1</script><img src=x onerror=window.hacked=2>工伤保险可以单独买吗"
    type_and_send(page, question)
    shown = page.find_elements(By.CSS_SELECTOR, "#log .turn .qt")[-1]
    assert shown.text == question
    assert page.execute_script("return window.hacked === undefined")
    assert page.find_elements(By.CSS_SELECTOR, "#log img") == []


def test_a_calculator_dialog_by_tapping_buttons_survives_a_reload(page, site):
    assert "几岁退休" in type_and_send(page, "我想算养老金能领多少")
    assert page.find_elements(By.CSS_SELECTOR, "#log .turn .fb") == []  # a follow-up question: nothing to judge
    assert "几年" in tap(page, "60 岁")
    page.refresh()  # the session is kept in localStorage: the dialog goes on
    assert "个人账户" in type_and_send(page, "20年")
    assert "估算每月养老金" in tap(page, "不知道")
    assert len(page.find_elements(By.CSS_SELECTOR, "#log .turn .fb")) == 1  # the result can be judged
    assert page.find_elements(By.CSS_SELECTOR, "#log .choices") == []  # spent choices are gone


def test_an_example_question_can_be_tapped(page):
    example = page.find_elements(By.CSS_SELECTOR, ".examples button")[0]
    text = example.text
    press(page, example)
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#log .turn .qt"))
    assert page.find_elements(By.CSS_SELECTOR, "#log .turn .qt")[-1].text == text
    wait(page, lambda d: "正在查" not in last_answer(d))


def test_feedback_is_pressed_and_stored(page, site):
    type_and_send(page, "工伤保险可以单独买吗")
    useful = page.find_elements(By.CSS_SELECTOR, "#log .turn .fb button")[0]
    assert useful.text == "有用"
    press(page, useful)
    wait(page, lambda d: d.find_elements(By.CSS_SELECTOR, "#log .fb.done"))
    with sqlite3.connect(site.db) as db:
        assert db.execute("SELECT useful FROM feedback ORDER BY id DESC LIMIT 1").fetchone() == (1,)


def test_a_share_link_opens_that_answer(page, site, faq):
    type_and_send(page, "工伤保险可以单独买吗")
    link = page.find_elements(By.CSS_SELECTOR, "#log .share")[-1].get_attribute("href")
    assert link == f"{site.url}/?faq=work_injury_standalone"
    page.get(link)
    entry = faq["work_injury_standalone"]
    assert page.find_element(By.CSS_SELECTOR, "#log .turn .qt").text == entry.question
    assert entry.source in last_answer(page)


def screenshot(driver, path):
    """The whole page at the phone's width (the viewport stretched to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": WIDTH, "deviceScaleFactor": 1, "mobile": True}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": height})
    driver.save_screenshot(str(path))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": 800})


def test_at_375_px_nothing_scrolls_sideways(page, site, tmp_path_factory):
    folder = tmp_path_factory.mktemp("screenshots")
    screenshot(page, folder / "web-375-empty.png")
    type_and_send(page, "工伤保险可以单独买吗")
    type_and_send(page, "我想算养老金能领多少")
    screenshot(page, folder / "web-375.png")
    type_and_send(page, "x" * 300 + " 工伤保险可以单独买吗 " + "https://example.org/" + "a" * 200)
    width = page.execute_script("return window.innerWidth")
    assert width == WIDTH
    assert page.execute_script("return document.documentElement.scrollWidth") <= width
    print(f"\nscreenshots of the page at {WIDTH} px: {folder}/web-375-empty.png {folder}/web-375.png")
    assert (folder / "web-375.png").stat().st_size > 10_000
