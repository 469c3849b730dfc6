"""The web chat in real headless Chromium (Selenium), against the real web, Rasa and action servers."""

from __future__ import annotations

import subprocess

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from bot.language.catalogue import text
from bot.staff.store import StaffStore, login_refusal
from bot.storage.db import session_factory
from tests.support.paths import ROOT
from tests.support.servers import BRIDGES_BIN, free_port, listening_addresses, running_servers, wait_until_up

pytestmark = pytest.mark.servers
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("web")
    with running_servers(workdir) as servers:
        staff = StaffStore(session_factory(servers.db_url))
        for name in ("w.intake", "w.locked"):
            staff.add(name, "intake")
            staff.set_password(name, PASSWORD)
        port = free_port()
        log = workdir / "web.log"
        proc = subprocess.Popen(
            [
                str(BRIDGES_BIN / "prr"),
                "web",
                "--listen",
                f"127.0.0.1:{port}",
                "--rasa-url",
                f"http://127.0.0.1:{servers.rasa_port}",
            ],
            cwd=ROOT,
            env=servers.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + "/", proc, log)
        try:
            yield url
        finally:
            servers.stop(proc)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1000,1100",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def wait(driver, condition, timeout=60):
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition)


def log_text(driver) -> str:
    return driver.find_element(By.ID, "log").text


def wait_for_text(driver, needle, timeout=60):
    wait(driver, lambda d: needle in log_text(d), timeout)


def login(driver, url, name="w.intake", password=PASSWORD):
    driver.get(url + "/")
    wait(driver, ec.visibility_of_element_located((By.ID, "name")))
    driver.find_element(By.ID, "name").send_keys(name)
    driver.find_element(By.ID, "password").send_keys(password + Keys.ENTER)


def say(driver, text, expect):
    field = driver.find_element(By.ID, "text")
    # The input keeps focus between messages (the page gives it back once the reply is drawn).
    wait(driver, lambda d: d.switch_to.active_element == field, timeout=10)
    field.send_keys(text + Keys.ENTER)
    wait_for_text(driver, expect)


def press(driver, title, expect):
    buttons = driver.find_elements(By.CSS_SELECTOR, ".choices button:not([disabled])")
    next(b for b in buttons if b.text == title).click()
    wait_for_text(driver, expect)


def test_a_wrong_password_is_refused(browser, site):
    login(browser, site, password="not the password")
    wait(browser, lambda d: d.find_element(By.ID, "login-error").text == str(login_refusal()))
    assert not browser.find_element(By.ID, "chat-view").is_displayed()


def test_a_chat_request_without_a_session_is_refused(site):
    assert (
        requests.post(
            site + "/api/message", json={"text": "list my cases"}, headers={"X-PRR": "1"}, timeout=10
        ).status_code
        == 401
    )
    assert requests.get(site + "/api/history", timeout=10).status_code == 401
    forged = requests.post(
        site + "/api/message",
        json={"text": "hi"},
        cookies={"prr_session": "made-up"},
        headers={"X-PRR": "1"},
        timeout=10,
    )
    assert forged.status_code == 401


def test_the_web_chat_listens_on_loopback_only_and_sends_its_headers(site):
    assert listening_addresses(int(site.rsplit(":", 1)[1])) == {"127.0.0.1"}
    page = requests.get(site + "/", timeout=10)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert page.headers["Cache-Control"] == "no-store"


def test_login_question_intake_reload_and_logout(browser, site):
    login(browser, site)
    wait(browser, ec.visibility_of_element_located((By.ID, "text")))
    cookie = browser.get_cookie("prr_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    wait(browser, lambda d: d.find_element(By.ID, "who").text == "Logged in as w.intake", timeout=10)

    say(browser, "what does resolution 2396 require?", "resolution 2396 (2017), paras.")

    say(browser, "start an intake", "What kind of intake")
    press(browser, "self-returned", "full name")
    say(browser, "Amina Bekova", "date of birth")
    say(browser, "31.02.2020", "not a real date")  # invalid, re-asked with the reason
    say(browser, "12.03.2015", "Sex?")
    press(browser, "female", "nationality")
    say(browser, "Kazakhstan", "verified")
    press(browser, "documents", "When did they return")
    press(browser, "skip", "How long")
    say(browser, "18 months", "What role")
    press(browser, "child", "associated")
    press(browser, "born in the conflict zone", "legal status")
    press(browser, "none", "health needs")
    say(browser, "none", "psychosocial")
    say(browser, "<img src=x onerror=alert(1)> **nightmares**", "caregiver")
    say(browser, "Gulnara Bekova, grandmother", "unaccompanied")
    press(browser, "no", "schooling")
    press(browser, "primary", "referrals")
    press(browser, "psychologist", "Any other referral")
    press(browser, "done", "consent")
    press(browser, "yes", "notes")
    say(browser, "none", "check the answers")
    press(browser, "confirm", "The case reference is PRR-")
    assert browser.find_elements(By.CSS_SELECTOR, "#log img") == []  # shown as text, never as HTML
    assert browser.find_elements(By.XPATH, "//div[@id='log']//strong[text()='nightmares']")  # **bold** rendered
    ARTIFACTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "web-chat-after-intake.png"))

    browser.refresh()  # the conversation comes back
    wait_for_text(browser, "The case reference is PRR-")
    assert "resolution 2396 (2017), paras." in log_text(browser)
    assert browser.execute_script("return window.localStorage.length + window.sessionStorage.length") == 0

    browser.set_window_size(390, 844)  # phone-sized, keyboard only
    field = browser.find_element(By.ID, "text")
    field.send_keys("list my cases" + Keys.ENTER)
    wait(browser, lambda d: log_text(d).count("PRR-") >= 2)
    assert field.size["width"] < 390 and browser.execute_script("return document.body.scrollWidth") <= 390
    browser.set_window_size(1000, 1100)

    browser.find_element(By.ID, "logout").click()
    wait(browser, ec.visibility_of_element_located((By.ID, "login-form")))
    stale = requests.post(
        site + "/api/message",
        json={"text": "list my cases"},
        headers={"X-PRR": "1"},
        cookies={"prr_session": cookie["value"]},
        timeout=10,
    )
    assert stale.status_code == 401  # the old session no longer chats
    browser.refresh()
    wait(browser, ec.visibility_of_element_located((By.ID, "login-form")))
    assert not browser.find_element(By.ID, "chat-view").is_displayed()


def test_an_unreachable_server_is_said_plainly_and_the_typed_text_kept(browser, site):
    login(browser, site)
    wait(browser, ec.visibility_of_element_located((By.ID, "text")))
    browser.execute_script("window.fetch = () => Promise.reject(new TypeError('offline'))")
    browser.find_element(By.ID, "text").send_keys("what is VERA-2R?" + Keys.ENTER)
    wait(browser, lambda d: "server is unreachable" in d.find_element(By.ID, "chat-error").text)
    assert browser.find_element(By.ID, "text").get_attribute("value") == "what is VERA-2R?"


def test_failed_logins_from_one_client_are_slowed_without_naming_the_name(site):
    # Last in this module: the browser above shares this client address.
    def attempt(name, password):
        return requests.post(
            site + "/api/login", json={"name": name, "password": password}, headers={"X-PRR": "1"}, timeout=30
        )

    for name in ("w.locked", "nobody.at.all", "w.locked", "w.locked"):
        refused = attempt(name, "wrong password!")
        assert refused.status_code == 401 and refused.json()["error"] == str(login_refusal())
    slowed = attempt("w.locked", PASSWORD)
    assert slowed.status_code == 429 and slowed.json()["error"] == text("channel.login_throttled", minutes=15)
