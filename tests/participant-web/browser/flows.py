#!/usr/bin/python3
"""The participant pages in a real browser: headless Chromium driven by chromium-driver through
Selenium (Debian's chromium, chromium-driver and python3-selenium), one function per flow.

Every page a flow reaches is checked the same way (Browser.check): a screenshot
(<out>/<flow>-<step>.png), no message in the browser's console, and no accessibility violation
found by axe-core (npm, tests/participant-web/browser/node_modules), injected into the page
through the driver (the pages themselves run no script: their CSP allows none, and the driver's
injection is not subject to it). A flow raises on anything wrong; main() prints one JSON line
with what the flow saw and exits non-zero on failure.

The C++ test (browser_test.cc) prepares the links from real e-mails, runs a flow and then checks
the services' state over gRPC. Adding a flow is a function here (flow_<name>) and a test there.

    flows.py approve --url LINK --out DIR [--comment TEXT]
    flows.py evaluate --url LINK --out DIR
    flows.py decline --url LINK --out DIR --intern NAME [--comment TEXT]
    flows.py calendar --url LINK --out DIR
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

HERE = os.path.dirname(os.path.abspath(__file__))
AXE = os.path.join(HERE, "node_modules", "axe-core", "axe.min.js")
# What a page must meet: WCAG 2.1 A and AA, and axe's best practices.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


class FlowFailed(Exception):
    pass


class Browser:
    """One headless Chromium with a fresh profile; close() removes it."""

    def __init__(self, out, flow):
        self.out = out
        self.flow = flow
        self.pages = []
        self.profile = tempfile.mkdtemp(prefix="ipraktik-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        # Without these Chromium waits for the network this closed machine does not have.
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1000,1400",
                     "--user-data-dir=" + self.profile):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.set_page_load_timeout(30)
        self.driver.set_script_timeout(30)
        with open(AXE, encoding="utf-8") as source:
            self.axe = source.read()

    def close(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)

    def open(self, url):
        self.driver.get(url)

    def wait_for_heading(self, text):
        WebDriverWait(self.driver, 30).until(
            expected_conditions.text_to_be_present_in_element((By.TAG_NAME, "h1"), text))

    def check(self, step, expect_status_page=False):
        """Screenshot, console and axe-core for the page shown now."""
        name = "%s-%s" % (self.flow, step)
        path = os.path.join(self.out, name + ".png")
        # The whole page, however long (the survey is).
        height = self.driver.execute_script("return document.documentElement.scrollHeight")
        self.driver.set_window_size(1000, max(800, min(int(height) + 40, 6000)))
        self.driver.save_screenshot(path)
        console = [entry for entry in self.driver.get_log("browser")]
        if expect_status_page:
            # An error status is the page's point: Chromium reports it as a failed resource.
            console = [entry for entry in console
                       if "the server responded with a status of" not in entry["message"]]
        self.driver.execute_script(self.axe)
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})"
            ".then(r => done({violations: r.violations.map(v => ({id: v.id, impact: v.impact,"
            " help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))}),"
            " e => done({error: String(e)}));", AXE_TAGS)
        # The injection itself may log nothing; anything logged now is the page's.
        console += [entry for entry in self.driver.get_log("browser")
                    if not expect_status_page
                    or "the server responded with a status of" not in entry["message"]]
        page = {"step": step, "title": self.driver.title, "screenshot": path,
                "console": [entry["message"] for entry in console],
                "violations": result.get("violations", []), "axe_error": result.get("error")}
        self.pages.append(page)
        problems = []
        if page["console"]:
            problems.append("console: %s" % page["console"])
        if page["axe_error"]:
            problems.append("axe-core did not run: %s" % page["axe_error"])
        if page["violations"]:
            problems.append("accessibility: %s" % json.dumps(page["violations"], ensure_ascii=False))
        if problems:
            raise FlowFailed("%s: %s" % (name, "; ".join(problems)))

    def no_script_on_page(self):
        if self.driver.find_elements(By.TAG_NAME, "script"):
            raise FlowFailed("the page has a script element")

    def text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text


def flow_approve(browser, args):
    """A manager opens the approval link from their e-mail, writes a comment and approves (with
    the keyboard: the button is reached by Tab and pressed with Enter); the confirmation says so."""
    browser.open(args.url)
    browser.wait_for_heading("Godkend")
    browser.no_script_on_page()
    browser.check("approval")
    comment = browser.driver.find_element(By.ID, "comment")
    # The comment's label names the field (what a screen reader reads).
    label = browser.driver.find_element(By.CSS_SELECTOR, "label[for=comment]").text
    if not label:
        raise FlowFailed("the comment field has no label")
    comment.click()
    comment.send_keys(args.comment)
    # Tab from the comment to the first button (approve), then Enter.
    comment.send_keys(Keys.TAB)
    focused = browser.driver.switch_to.active_element
    if focused.get_attribute("value") != "approve":
        raise FlowFailed("Tab from the comment does not reach the approve button")
    focused.send_keys(Keys.ENTER)
    browser.wait_for_heading("godkendt")
    browser.check("confirmed")
    return {"confirmation": browser.text()}


def flow_evaluate(browser, args):
    """A participant opens the evaluation link from their invitation, first sends the form with a
    required answer missing (the service's message shows next to the field), then answers every
    question and sends; the thank-you page follows."""
    driver = browser.driver
    browser.open(args.url)
    browser.wait_for_heading("Hvordan gik")
    browser.no_script_on_page()
    browser.check("survey")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".error-summary")))
    browser.check("survey-errors", expect_status_page=True)  # 422, the messages on the page
    # Every rating: the 4th choice; the other choices by their label.
    for fieldset in driver.find_elements(By.CSS_SELECTOR, "form.survey fieldset"):
        radios = fieldset.find_elements(By.CSS_SELECTOR, "input[type=radio]")
        values = [radio.get_attribute("value") for radio in radios]
        wanted = "4" if "4" in values else ("right" if "right" in values else "yes")
        choice = radios[values.index(wanted)]
        driver.find_element(By.CSS_SELECTOR, "label[for='%s']" % choice.get_attribute("id")).click()
    for field in driver.find_elements(By.CSS_SELECTOR, "form.survey input[type=number]"):
        field.clear()
        field.send_keys("3")
    for field in driver.find_elements(By.CSS_SELECTOR, "form.survey input[type=text]"):
        field.clear()
        field.send_keys("Korte stand-up-møder på tværs af afdelinger")
    for field in driver.find_elements(By.CSS_SELECTOR, "form.survey textarea"):
        field.clear()
        field.send_keys("Et godt forløb med åbne kolleger.")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait_for_heading("Tak for dine svar")
    browser.check("thanks")
    return {"thanks": browser.text()}


def flow_decline(browser, args):
    """A host contact opens "My placement" from their e-mail, finds the intern by name, first
    sends the decline without a reason (the page asks for one, next to the field), then writes the
    reason and declines with the keyboard (Tab from the reason to the button, Enter); the
    confirmation names the intern."""
    driver = browser.driver
    browser.open(args.url)
    browser.wait_for_heading("praktikanter")
    browser.no_script_on_page()
    browser.check("host")
    article = next((candidate for candidate in driver.find_elements(By.CSS_SELECTOR, "article.intern")
                    if candidate.find_element(By.TAG_NAME, "h3").text == args.intern), None)
    if article is None:
        raise FlowFailed("the page does not list %s" % args.intern)
    article.find_element(By.CSS_SELECTOR, "button[value=decline]").click()
    WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".field.invalid .error")))
    browser.check("host-reason-missing", expect_status_page=True)  # 422, the message on the page
    article = next(candidate for candidate in driver.find_elements(By.CSS_SELECTOR, "article.intern")
                   if candidate.find_element(By.TAG_NAME, "h3").text == args.intern)
    reason = article.find_element(By.TAG_NAME, "textarea")
    label = driver.find_element(By.CSS_SELECTOR, "label[for='%s']" % reason.get_attribute("id")).text
    if args.intern not in label:
        raise FlowFailed("the reason's label does not name the intern: %r" % label)
    reason.click()
    reason.send_keys(args.comment)
    reason.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    if focused.get_attribute("value") != "decline":
        raise FlowFailed("Tab from the reason does not reach the decline button")
    focused.send_keys(Keys.ENTER)
    browser.wait_for_heading("meldt fra")
    browser.check("declined")
    return {"confirmation": browser.text()}


def flow_calendar(browser, args):
    """An intern opens "My placement" from their e-mail and downloads the calendar file through
    the page's link (Chromium saves it to a folder of its own; the flow returns its text)."""
    driver = browser.driver
    downloads = tempfile.mkdtemp(prefix="ipraktik-downloads-")
    try:
        driver.execute_cdp_cmd("Page.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": downloads})
        browser.open(args.url)
        browser.wait_for_heading("innovationspraktik")
        browser.no_script_on_page()
        browser.check("intern")
        link = driver.find_element(By.ID, "calendar-link")
        if not link.text:
            raise FlowFailed("the calendar link has no text")
        name = link.get_attribute("download")
        link.click()
        path = os.path.join(downloads, name)
        # Chromium writes <name>.crdownload and renames it when the file is complete.
        WebDriverWait(driver, 30).until(lambda _: os.path.exists(path))
        with open(path, encoding="utf-8", newline="") as calendar:
            content = calendar.read()
        browser.check("intern-after-download")
        return {"file_name": name, "calendar": content, "page": browser.text()}
    finally:
        shutil.rmtree(downloads, ignore_errors=True)


def flow_unknown_link(browser, args):
    """A link that names nothing: the clear page (404), accessible like the others."""
    browser.open(args.url)
    # In the browser's language (headless Chromium asks for English).
    WebDriverWait(browser.driver, 30).until(
        lambda driver: driver.find_element(By.TAG_NAME, "h1").text in (
            "Linket virker ikke", "The link does not work"))
    browser.check("page", expect_status_page=True)
    return {"text": browser.text()}


FLOWS = {name[len("flow_"):].replace("_", "-"): function
         for name, function in globals().items() if name.startswith("flow_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("flow", choices=sorted(FLOWS))
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--comment", default="God idé, god fornøjelse.")
    parser.add_argument("--intern", default="", help="the intern a host declines")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    started = time.monotonic()
    browser = Browser(args.out, args.flow)
    outcome = {"flow": args.flow}
    try:
        outcome.update(FLOWS[args.flow](browser, args))
        outcome["ok"] = True
    except Exception as error:  # report every failure the same way, with the pages seen so far
        outcome["ok"] = False
        outcome["error"] = "%s: %s" % (type(error).__name__, error)
        try:
            browser.driver.save_screenshot(os.path.join(args.out, args.flow + "-failed.png"))
        except Exception:
            pass
    finally:
        outcome["pages"] = browser.pages
        outcome["seconds"] = round(time.monotonic() - started, 1)
        browser.close()
    print(json.dumps(outcome, ensure_ascii=False))
    return 0 if outcome["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
