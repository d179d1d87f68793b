#!/usr/bin/env python3
"""Drives a real headless Chromium through each role's day in Depot's web UI, at 1400 and at 800 px wide.

Each width gets a fresh database, fixture and server. The engineer signs in, scans a serial (with the trailing space
a scanner may send) into the search box, opens a case from the unit page, attaches a log, responds and diagnoses the
unit defective. Logistics allocates a spare from the queue, ships it and marks it delivered at a date and time it
types, and receives a unit the customer sent back by scanning its serial. The account manager follows the
unit's lineage, filters the warranty-expiry report by an account manager whose name has a space, downloads it as CSV
and closes a sales referral (an out-of-warranty unit without a contract, diagnosed defective in the fixture) after
ticking the box that confirms it. Then the handbook's promises (handbook_flow.py): the engineer opens a premium
customer's case at night with its PIN and with a wrong one, the first is closed, its contact answers the satisfaction
survey from the link a webhook receiver got, and the account manager reads the csat page.

On every page it reaches it runs axe-core (axe-selenium-python bundles it) and checks that nothing needs horizontal
scrolling at 800 px: the page itself, the logistics queue's action forms and the support view's due column. It goes
on through the flow and, at the end, lists every accessibility violation and overflow, and fails if there is any.
Screenshots of every view go to .build/screenshots/WIDTH/. On the way it checks the served OpenAPI document with
openapi-spec-validator and that the server stops cleanly (exit 0) on SIGTERM.

Usage: Tests/Browser/rma_flow.py PATH/TO/depot
"""
import csv
import datetime
import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse
import urllib.request

from axe_selenium_python import Axe
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

import handbook_flow

DEPOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/depot")
SHOTS = os.path.abspath(".build/screenshots")
# The two windows each role's day runs in: a laptop and a tablet held upright.
WINDOWS = ((1400, 1000), (800, 1100))
# Below this width nothing may need horizontal scrolling (the page, the queue's forms, the due column).
NARROW = 800
# What must be reachable without horizontal scrolling, on the pages that show it.
REACHABLE = {
    "/logistics": ("#to-ship form", "#to-ship form button", "#in-transit form", "#in-transit form button",
                   "#returns form", "#returns form button"),
    "/support": ("#open-cases th:last-child", "#open-cases td:last-child"),
}


def run(*args, **kwargs):
    return subprocess.run([DEPOT, *args], check=True, capture_output=True, text=True, **kwargs).stdout


def fixture(folder):
    """A small fleet whose dates follow today. ACME-1 is in warranty under a premium-plus contract (advance
    replacement); ACME-2 stays in service. BOLT has no contract and another account manager than Alice: BOLT-1 is
    out of warranty and BOLT-2 in warranty; both were diagnosed defective two hours ago (here, from the command
    line), which refers BOLT-1 to sales and makes BOLT-2 a return-then-replace RMA the customer is to send back.
    BOLT-3 stays in service. Returns the numbers of the sales referral and of the return-then-replace RMA."""
    today = datetime.date.today()

    def ago(days):
        return today - datetime.timedelta(days=days)

    files = {
        "models": "model,name,warranty_months,successor\nDX-100,Depot X 100,12,\n",
        "customers": "customer,name,region,account_manager,tam\n"
        "ACME,Acme Corp,americas,Alice Manager,Tom Tam\nBOLT,Bolt Works,americas,Bob Builder,Tom Tam\n",
        "sites": "site,customer,name,country,region,address\n"
        'ACME-NYC,ACME,New York,US,americas,"1 Broadway, New York"\n'
        'BOLT-CHI,BOLT,Chicago,US,americas,"2 Wacker Drive, Chicago"\n',
        "depots": "depot,name,region\nD-US,Memphis,americas\n",
        "contracts": "contract,customer,tier,start_date,end_date,max_contacts\n"
        f"C-ACME,ACME,premium-plus,{ago(300)},{ago(-300)},2\n",
        "contacts": "email,customer,name,designated,certified\n"
        "ops@acme.example,ACME,Olga Ops,yes,yes\nit@bolt.example,BOLT,Ian Tech,no,no\n",
        "releases": "version,released_on\n5.1,2025-09-01\n",
        "appliances": "serial,model,customer,site,depot,ship_date,software_version,status\n"
        f"ACME-1,DX-100,ACME,ACME-NYC,,{ago(60)},5.1,in-service\n"
        f"ACME-2,DX-100,ACME,ACME-NYC,,{ago(100)},5.1,in-service\n"
        f"BOLT-1,DX-100,BOLT,BOLT-CHI,,{ago(500)},5.1,in-service\n"
        f"BOLT-2,DX-100,BOLT,BOLT-CHI,,{ago(200)},5.1,in-service\n"
        f"BOLT-3,DX-100,BOLT,BOLT-CHI,,{ago(150)},5.1,in-service\n"
        f"SPARE-US-1,DX-100,,,D-US,{ago(90)},5.1,in-stock\n"
        f"SPARE-US-2,DX-100,,,D-US,{ago(90)},5.1,in-stock\n",
    }
    for entity, text in files.items():
        path = os.path.join(folder, entity + ".csv")
        with open(path, "w") as f:
            f.write(text)
        run("import", entity, path)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    rmas = {}
    for serial, path in (("BOLT-1", "sales-referral"), ("BOLT-2", "return-then-replace")):
        opened = run("case", "open", "--customer", "BOLT", "--contact", "it@bolt.example", "--type", "hardware-fault",
                     "--serial", serial, "--impact", "medium", "--urgency", "medium", "--title", "No power",
                     "--at", (now - datetime.timedelta(hours=3)).isoformat(), "--format", "json", "--as", "erin")
        case = re.search(r"CS-\d{4}-\d+", opened).group(0)
        diagnosed = run("diagnose", serial, "--case", case, "--verdict", "defective", "--note", "PSU dead",
                        "--at", (now - datetime.timedelta(hours=2)).isoformat(), "--format", "json", "--as", "erin")
        assert path in diagnosed, diagnosed
        rmas[path] = re.search(r"RMA-\d{4}-\d+", diagnosed).group(0)
    # BOLT-3 went through a whole return-then-replace on the command line: it is back at the depot, `returned`,
    # for logistics to refurbish in the browser.
    opened = run("case", "open", "--customer", "BOLT", "--contact", "it@bolt.example", "--type", "hardware-fault",
                 "--serial", "BOLT-3", "--impact", "medium", "--urgency", "medium", "--title", "Fan noise",
                 "--at", (now - datetime.timedelta(hours=5)).isoformat(), "--format", "json", "--as", "erin")
    case = re.search(r"CS-\d{4}-\d+", opened).group(0)
    diagnosed = run("diagnose", "BOLT-3", "--case", case, "--verdict", "defective", "--note", "fan bearing",
                    "--at", (now - datetime.timedelta(hours=5, minutes=-1)).isoformat(), "--format", "json", "--as", "erin")
    back = re.search(r"RMA-\d{4}-\d+", diagnosed).group(0)
    steps = [("return-ship", "--carrier", "DHL", "--tracking", "BACK1"), ("receive", "--serial", "BOLT-3"),
             ("allocate", "--serial", "SPARE-US-2"), ("ship", "--carrier", "DHL", "--tracking", "OUT1"), ("deliver",),
             ("close",)]
    for minutes, (step, *options) in enumerate(steps):
        at = (now - datetime.timedelta(hours=4, minutes=-10 * minutes)).isoformat()
        run("rma", step, back, *options, "--at", at, "--as", "lars")
    return rmas["sales-referral"], rmas["return-then-replace"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not answer {url} within {seconds} s")


class Findings:
    """What the runs found that does not stop a flow: axe-core's violations and what needs horizontal scrolling,
    each kept once per width, page and element. The report groups the same violation of the same element (the
    search box of every page, say) with the pages it is on."""

    def __init__(self):
        self.pages = {}  # width: the pages checked, in the order first reached
        self.violations = {}
        self.overflows = {}

    def axe(self, width, page, results):
        self.pages.setdefault(width, {})[page] = None
        for v in results["violations"]:
            for node in v["nodes"]:
                target = " ".join(map(str, node["target"]))
                self.violations.setdefault((width, page, v["id"], target), {
                    "rule": v["id"], "impact": node.get("impact") or v.get("impact"), "help": v["help"],
                    "helpUrl": v["helpUrl"], "target": target, "html": scrub(node["html"]),
                    "summary": " ".join(node.get("failureSummary", "").split()),
                })

    def overflow(self, width, page, item):
        self.overflows.setdefault((width, page, item["what"], item.get("html", "")), item)

    def report(self):
        lines = []
        if self.violations:
            groups = {}
            for (width, page, _, _), v in self.violations.items():
                groups.setdefault(tuple(v.items()), []).append((page, width))
            lines.append(f"{len(self.violations)} accessibility violations (axe-core), {len(groups)} distinct:")
            for key, where in sorted(groups.items(), key=lambda g: (dict(g[0])["rule"], dict(g[0])["target"], g[0])):
                v = dict(key)
                lines.append(f"  {v['rule']} ({v['impact']}): {v['help']} {v['helpUrl']}")
                lines.append(f"    target: {v['target']}")
                lines.append(f"    html:   {v['html']}")
                lines.append(f"    {v['summary']}")
                by_page = {}
                for page, width in where:
                    by_page.setdefault(page, []).append(width)
                for page in sorted(by_page):
                    lines.append(f"    on {page} at {' and '.join(f'{w} px' for w in sorted(by_page[page], reverse=True))}")
        if self.overflows:
            lines.append(f"{len(self.overflows)} things need horizontal scrolling:")
            for (width, page, what, html), o in sorted(self.overflows.items()):
                lines.append(f"  [{width} px] {page}: {what}: {o['detail']}")
                if html:
                    lines.append(f"    html: {html}")
        return lines


def scrub(html):
    """An element's HTML without what changes from run to run (CSRF tokens, the current time in date fields)."""
    html = re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value="…"', html)
    html = re.sub(r'type="datetime-local" name="at" value="[^"]*"', 'type="datetime-local" name="at" value="…"', html)
    return " ".join(html.split())


SAVE_SCROLL = """
window.depotScroll = [[document.scrollingElement, document.scrollingElement.scrollLeft, document.scrollingElement.scrollTop]];
for (const e of document.querySelectorAll("*")) {
  if (e.scrollWidth > e.clientWidth || e.scrollHeight > e.clientHeight) window.depotScroll.push([e, e.scrollLeft, e.scrollTop]);
}
"""
RESTORE_SCROLL = """
for (const [e, left, top] of window.depotScroll || []) { e.scrollLeft = left; e.scrollTop = top; }
"""

# What lies beyond the window's right edge, or beyond that of a box that scrolls sideways, is only reached by
# scrolling. Positions are taken with every box scrolled to its start (as the page loads), whatever their scroll now.
OVERFLOW_SCRIPT = """
const [selectors] = arguments;
const width = window.innerWidth, found = [];
const page = document.documentElement.scrollWidth;
if (page > width) found.push({what: "page", detail: `document scrollWidth ${page} px > window innerWidth ${width} px`});
// How far the boxes around an element (and the window) are scrolled sideways: added back to its position.
const scrolled = (e) => {
  let x = window.scrollX;
  for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) x += p.scrollLeft;
  return x;
};
for (const selector of selectors) {
  for (const element of document.querySelectorAll(selector)) {
    let limit = width, clip = "window";
    for (let p = element.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX === "visible") continue;
      const right = p.getBoundingClientRect().right + scrolled(p) - p.offsetWidth + p.clientLeft + p.clientWidth;
      if (right < limit) {
        limit = right;
        clip = p.tagName.toLowerCase() + (p.className ? "." + p.className.split(" ").join(".") : "");
      }
    }
    const right = element.getBoundingClientRect().right + scrolled(element);
    if (right > limit + 0.5) {
      const tag = element.outerHTML.replace(/>[\\s\\S]*$/, ">");
      found.push({what: selector, html: tag,
                  detail: `right edge at ${Math.round(right)} px, beyond ${clip} (right edge ${Math.round(limit)} px)`});
    }
  }
}
return found;
"""


class Browser:
    def __init__(self, base, width, height, findings):
        self.base, self.width, self.findings = base, width, findings
        self.shots = os.path.join(SHOTS, str(width))
        os.makedirs(self.shots, exist_ok=True)
        for old in glob.glob(os.path.join(self.shots, "*.png")):
            os.remove(old)
        self.downloads = tempfile.mkdtemp(prefix="depot-downloads-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}"):
            options.add_argument(argument)
        options.add_experimental_option("prefs", {
            "download.default_directory": self.downloads, "download.prompt_for_download": False})
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.implicitly_wait(5)
        inner = self.driver.execute_script("return window.innerWidth")
        assert inner == width, f"window innerWidth {inner}, wanted {width}"
        self.axe = Axe(self.driver)
        self.shot = 0

    def quit(self):
        self.driver.quit()
        shutil.rmtree(self.downloads, ignore_errors=True)

    # Every way to a new page ends in `loaded`, which checks the page.

    def go(self, path):
        self.driver.get(self.base + path)
        self.loaded()

    def click(self, css_or_element, url_part=None):
        """Clicks a link or a form's button and waits for the page it leads to."""
        element = self.find(css_or_element) if isinstance(css_or_element, str) else css_or_element
        self.leave(element.click, url_part)

    def type_and_enter(self, css, text, url_part=None):
        """Types into a field and presses Enter, as a barcode scanner does, and waits for the page that leads to."""
        field = self.find(css)
        self.leave(lambda: field.send_keys(text + Keys.ENTER), url_part)

    def leave(self, do, url_part):
        """Does what leaves the page and waits for the next one (a mark on this page's window is gone from the new
        one's, which a fragment-only move or a same-address redirect would not clear)."""
        self.driver.execute_script("window.depotLeaving = true")
        do()

        def left(driver):
            try:
                return driver.execute_script("return !window.depotLeaving && document.readyState === 'complete'")
            except WebDriverException:  # the page is being replaced
                return False

        WebDriverWait(self.driver, 10).until(left)
        if url_part:
            self.wait_url(url_part)
        self.loaded()

    def loaded(self):
        """Checks the page just loaded: nothing needs horizontal scrolling (at 800 px), and axe-core finds nothing."""
        WebDriverWait(self.driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")
        page = self.page()
        if self.width <= NARROW:
            for item in self.driver.execute_script(OVERFLOW_SCRIPT, REACHABLE.get(page.split("?")[0], ())):
                self.findings.overflow(self.width, page, item)
        # axe scrolls what it checks the colours of into view: the page is put back as it was for the screenshots.
        self.driver.execute_script(SAVE_SCROLL)
        self.axe.inject()
        self.findings.axe(self.width, page, self.axe.run())
        self.driver.execute_script(RESTORE_SCROLL)

    def page(self):
        """The page's address without host and fragment: the same on every run."""
        url = urllib.parse.urlsplit(self.driver.current_url)
        return url.path + ("?" + url.query if url.query else "")

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def screenshot(self, name):
        self.shot += 1
        self.driver.save_screenshot(os.path.join(self.shots, f"{self.shot:02d}-{name}.png"))

    def sign_in(self, name, password, screenshot=False):
        self.driver.delete_all_cookies()
        self.go("/sign-in")
        if screenshot:
            self.screenshot("sign-in")
        self.find("#name").send_keys(name)
        self.find("#password").send_keys(password)
        self.click("#sign-in")
        assert "/sign-in" not in self.driver.current_url, self.driver.current_url

    def sign_out(self):
        self.click(".signout button", "/sign-in")

    def wait_url(self, part):
        WebDriverWait(self.driver, 10).until(lambda d: part in d.current_url)
        return self.driver.current_url

    def text(self, css):
        return self.find(css).text

    def flash(self):
        return self.text("#flash")

    def set_value(self, element, value):
        """Sets a field the keyboard types differently in every locale (a datetime-local's date and time)."""
        self.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}))",
            element, value)


def main():
    findings = Findings()
    failures = []
    for number, (width, height) in enumerate(WINDOWS):
        failure = one_run(width, height, findings, check_openapi=number == 0)
        if failure:
            failures.append(failure)
    for width, pages in findings.pages.items():
        print(f"[{width} px] axe-core checked {len(pages)} pages: {', '.join(pages)}")
    lines = findings.report()
    for line in lines:
        print(line, file=sys.stderr)
    for failure in failures:
        print(failure, file=sys.stderr)
    if lines or failures:
        raise SystemExit(f"browser test failed: {len(failures)} flows failed, {len(findings.violations)} accessibility "
                         f"violations, {len(findings.overflows)} horizontal overflows")
    print("browser test passed at " + " and ".join(f"{w} px" for w, _ in WINDOWS))


def one_run(width, height, findings, check_openapi):
    """One fresh database, fixture and server, and each role's day at `width`; what failed, if anything."""
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DEPOT_DB"] = os.path.join(folder, "depot.sqlite")
        run("init")
        referral, returning = fixture(folder)
        night = handbook_flow.fixture(folder, run)
        users = {}
        for name, role in (("erin", "support-engineer"), ("lars", "logistics"), ("anna", "account-manager")):
            users[name] = json.loads(run("user", "add", name, "--role", role, "--format", "json"))["password"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([DEPOT, "serve", "--port", str(port), "--log-level", "warning"])
        failure = None
        try:
            wait_for(base + "/healthz")
            if check_openapi:
                spec_path = os.path.join(folder, "openapi.yaml")
                urllib.request.urlretrieve(base + "/api/openapi.yaml", spec_path)
                spec, _ = read_from_filename(spec_path)
                validate(spec)
                print("OpenAPI document: valid OpenAPI 3.1")
            b = Browser(base, width, height, findings)
            try:
                flow(b, users, folder, referral, returning)
                handbook_flow.night_and_survey(b, users, night, run, free_port)
                print(f"[{width} px] browser flow passed; {b.shot} screenshots in {b.shots}")
            except Exception:
                failure = f"[{width} px] flow failed at {b.driver.current_url}:\n{traceback.format_exc()}"
                try:
                    b.screenshot("failure")
                    print(b.driver.page_source[:4000], file=sys.stderr)
                except Exception:
                    pass
            finally:
                b.quit()
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
        if code != 0:
            raise SystemExit(f"depot serve exited {code} on SIGTERM")
        print(f"[{width} px] depot serve stopped cleanly on SIGTERM")
        return failure


def flow(b, users, folder, referral, returning):
    """Each role's day, one after the other, in the same browser."""
    rma = engineer_day(b, users, folder)
    logistics_day(b, users, rma, returning)
    account_manager_day(b, users, rma, referral)


def engineer_day(b, users, folder):
    """Scan, open a case from the unit, attach a log, respond, diagnose defective: an advance replacement."""
    b.sign_in("erin", users["erin"], screenshot=True)
    assert b.driver.current_url.endswith("/support"), b.driver.current_url
    b.screenshot("support-view")
    # A scanner types the serial (here with a trailing space, and in lower case) and Enter.
    b.type_and_enter("#q", "acme-1 ", "/units/ACME-1")
    assert b.text("#unit-serial") == "ACME-1"
    b.screenshot("unit-before")
    b.click("a.button[href^='/cases/new']", "/cases/new")
    assert b.find("#serial").get_attribute("value") == "ACME-1"
    # The form knows the unit's customer and version, offers its contacts (designated ones marked), and puts the
    # cursor on the contact, the first field still empty.
    assert b.find("#customer").get_attribute("value") == "ACME"
    assert b.find("#softwareVersion").get_attribute("value") == "5.1"
    assert b.driver.switch_to.active_element.get_attribute("id") == "contact"
    contact = Select(b.find("#contact"))
    assert any("designated" in o.text for o in contact.options), [o.text for o in contact.options]
    contact.select_by_value("ops@acme.example")
    assert b.text("#suggested").startswith("Suggested: P3"), b.text("#suggested")
    Select(b.find("#impact")).select_by_value("high")
    # The suggestion follows the choice at once (depot.js reads the rule's table on the page).
    assert b.text("#suggested").startswith("Suggested: P2 (major function unavailable"), b.text("#suggested")
    b.find("#title").send_keys("Unit reboots every hour")
    b.find("#description").send_keys("Fans at full speed, then a reboot. <script>alert(1)</script>")
    b.screenshot("case-form")
    b.click("#open-case", "/cases/CS-")
    case_url = b.driver.current_url
    assert "opened for ACME" in b.flash(), b.flash()
    assert "<script>alert(1)</script>" in b.find(".text").text  # shown as text, not run
    # The engineer attaches a log through the page's upload form (a real multipart upload from the browser).
    log = os.path.join(folder, "reboot <1>.log")
    with open(log, "w") as f:
        f.write("kernel: watchdog reset\n" * 100)
    b.find("#attachment-file").send_keys(log)
    b.click("#attach", "#attachments")
    link = b.find("#attachments a[href^='/attachments/']")
    assert link.text == "reboot <1>.log", link.text
    assert b.driver.current_url == case_url + "#attachments", b.driver.current_url
    b.screenshot("case-attached")
    # The first response stops the response clock.
    b.click("#step-respond", "/cases/CS-")
    assert "response recorded" in b.flash(), b.flash()
    assert b.text("#case-status") == "responded", b.text("#case-status")
    b.screenshot("case-responded")
    Select(b.find("#verdict")).select_by_value("defective")
    b.find("#note").send_keys("PSU fails under load; swapped cables, same fault")
    b.click("#diagnose", "/rmas/RMA-")
    rma = b.driver.current_url.rsplit("/", 1)[1]
    assert b.text("#rma-state") == "approved"
    assert f"{rma} opened (advance-replacement)" in b.flash(), b.flash()
    b.screenshot("rma-approved")
    # The support view lists the case with its due time, most urgent first, and links to all open cases.
    b.go("/support")
    assert [e.text for e in b.all("#open-cases th")][-1] == "Due"
    b.screenshot("support-with-case")
    b.click("#all-open-cases", "/cases?")
    assert "Showing 1–" in b.text("#cases-count"), b.text("#cases-count")
    b.click("#cases th a[href*='sort=priority']", "sort=priority")
    assert b.find("#cases th[aria-sort='ascending']").text.startswith("Priority")
    b.screenshot("case-list")
    # Part of a serial finds every unit that has it.
    b.type_and_enter("#q", "spare-us", "/search?q=")
    assert sorted(a.text for a in b.all("#found-units a")) == ["SPARE-US-1", "SPARE-US-2"]
    b.screenshot("search-results")
    # A resolved case can be reopened (within the policy's 14 days).
    b.go(urllib.parse.urlsplit(case_url).path)
    b.click("#step-resolve", "/cases/CS-")
    assert b.text("#case-status") == "resolved", b.text("#case-status")
    b.click("#step-reopen", "/cases/CS-")
    assert "reopened" in b.flash() and b.text("#case-status") == "responded", (b.flash(), b.text("#case-status"))
    b.screenshot("case-reopened")
    b.sign_out()
    return rma


def logistics_day(b, users, rma, returning):
    """Allocate, ship and deliver (at a typed date and time) the advance replacement `rma`; receive the unit of the
    return-then-replace RMA `returning` by scanning its serial."""
    row = f"#rma-{rma}"
    b.sign_in("lars", users["lars"])
    assert b.driver.current_url.endswith("/logistics"), b.driver.current_url
    b.screenshot("logistics-queue")
    b.click(f"#to-ship {row} .step-allocate", f"/logistics#rma-{rma}")
    assert f"Spare SPARE-US-1 allocated to {rma}" in b.flash(), b.flash()
    b.find(f"#to-ship {row} input[name='carrier']").send_keys("UPS")
    b.find(f"#to-ship {row} input[name='tracking']").send_keys("1Z999AA10123456784")
    b.screenshot("logistics-allocated")
    b.click(f"#to-ship {row} .step-ship", f"/logistics#rma-{rma}")
    assert "shipped with UPS 1Z999AA10123456784" in b.flash(), b.flash()
    # Shipped, the RMA leaves "to ship" for "in transit", where it is marked delivered.
    assert not b.driver.execute_script(f"return document.querySelector('#to-ship {row}')")
    assert b.all(f"#in-transit {row} .step-deliver")
    b.screenshot("logistics-in-transit")
    b.go("/rmas/" + rma)
    assert b.text("#rma-state") == "shipped", b.text("#rma-state")
    assert b.text("#replacement") == "SPARE-US-1"
    b.screenshot("rma-shipped")
    # The replacement's shipping label, ready to print: the image loads (naturalWidth > 0 once the SVG renders).
    b.click("#label-replacement", "/label")
    WebDriverWait(b.driver, 10).until(lambda d: d.execute_script(
        "const i = document.getElementById('label'); return i && i.complete && i.naturalWidth > 0"))
    b.screenshot("rma-label")
    # Delivered at a date and time the user types over the field's "now" (the minute the page was made). Steps are
    # dated in order and the shipment was seconds ago, so the test types the next whole minute, which the server
    # takes (it allows a minute of clock skew).
    b.go("/logistics")
    at = b.find(f"#in-transit {row} input[name='at']")
    assert at.get_attribute("type") == "datetime-local"
    shown = datetime.datetime.strptime(at.get_attribute("value"), "%Y-%m-%dT%H:%M")
    delivered = (shown + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M")
    b.set_value(at, delivered)
    b.click(f"#in-transit {row} .step-deliver", f"/logistics#rma-{rma}")
    assert f"{rma}: SPARE-US-1 delivered {delivered.replace('T', ' ')}" in b.flash(), b.flash()
    assert b.all(f"#returns {row} .step-return-ship"), "the delivered RMA is not among the returns expected"
    b.screenshot("logistics-delivered")
    # The return-then-replace unit comes back: the scanner types its serial and Enter into the receive form (its
    # time left at the page's "now").
    other = f"#returns #rma-{returning}"
    assert b.find(f"{other} input[name='at']").get_attribute("value")
    b.type_and_enter(f"{other} input[name='serial']", "BOLT-2", f"/logistics#rma-{returning}")
    assert f"{returning}: returned unit BOLT-2 received" in b.flash(), b.flash()
    assert "State now return-received" in b.flash(), b.flash()
    # Received, it waits for its replacement in "to ship".
    assert b.all(f"#to-ship #rma-{returning} .step-allocate"), "the received RMA is not in the queue to ship"
    b.screenshot("logistics-received")
    b.go("/rmas/" + returning)
    assert b.text("#rma-state") == "return-received", b.text("#rma-state")
    b.screenshot("rma-received")
    # BOLT-3, back at the depot after its RMA, goes into stock again.
    b.go("/logistics")
    b.click("#returned #unit-BOLT-3 .step-refurbish", "/logistics#unit-BOLT-3")
    assert "BOLT-3 refurbished: in stock at D-US." in b.flash(), b.flash()
    assert not b.all("#returned #unit-BOLT-3")
    b.screenshot("logistics-refurbished")
    # Every open RMA, as a list to filter and sort.
    b.go("/rmas?state=open")
    assert rma in [e.text for e in b.all("#rmas tbody td:first-child a")]
    b.screenshot("rma-list")
    b.sign_out()


def account_manager_day(b, users, rma, referral):
    """Lineage, the warranty-expiry report filtered by account manager and its CSV, closing a sales referral."""
    b.sign_in("anna", users["anna"])
    assert b.driver.current_url.endswith("/accounts"), b.driver.current_url
    b.screenshot("accounts-view")
    b.type_and_enter("#q", "ACME-1", "/units/ACME-1")
    assert b.text("#replaced-by") == "SPARE-US-1"
    assert rma in b.text("main"), "the unit page does not list its RMA"
    assert [e.text for e in b.all("#lineage li")][:2] == ["ACME-1 (this unit)", "SPARE-US-1"]
    b.screenshot("unit-lineage")
    b.click("#replaced-by", "/units/SPARE-US-1")
    assert b.text("#replaces") == "ACME-1"
    b.screenshot("replacement-unit")
    # The warranty-expiry report, for the customers of one account manager (a name with a space).
    b.go("/accounts")
    b.click("a[href='/reports/warranty-expiry']", "/reports/warranty-expiry")
    b.find("input[name='account-manager']").send_keys("Alice Manager")
    within = b.find("input[name='within-days']")
    within.clear()
    within.send_keys("400")
    b.click(".filters button", "account-manager=")
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(b.driver.current_url).query)
    assert query["account-manager"] == ["Alice Manager"], query
    cells = [[td.text for td in tr.find_elements(By.TAG_NAME, "td")] for tr in b.all("table.report tbody tr")]
    serials = sorted(row[3] for row in cells)
    assert serials and all(row[1] == "Alice Manager" for row in cells), cells
    assert "BOLT-2" not in serials, serials
    b.screenshot("report-filtered")
    href = b.find("#download-csv").get_attribute("href")
    csv_query = urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)
    assert csv_query["account-manager"] == ["Alice Manager"], href
    b.find("#download-csv").click()  # a download: the page stays
    WebDriverWait(b.driver, 10).until(lambda d: [f for f in os.listdir(b.downloads) if f.endswith(".csv")])
    path = os.path.join(b.downloads, [f for f in os.listdir(b.downloads) if f.endswith(".csv")][0])
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["serial"] for r in rows) == serials, (rows, serials)
    assert all(r["account_manager"] == "Alice Manager" for r in rows), rows
    # The sales referral: the outcome must be chosen (no default) and the box ticked before it closes.
    b.type_and_enter("#q", referral, "/rmas/" + referral)
    assert b.text("#rma-state") == "referred", b.text("#rma-state")
    form = f"#form-close-{referral}"
    outcome = Select(b.find(f"{form} select[name='outcome']"))
    assert outcome.first_selected_option.get_attribute("value") == "", "the outcome has a default"
    b.screenshot("referral")
    outcome.select_by_value("declined")
    b.find(f"{form} input[name='confirm']").click()
    b.click(f"{form} button[type='submit']", "/rmas/" + referral)
    assert b.text("#rma-state") == "closed", b.text("#rma-state")
    assert f"{referral} closed (declined)" in b.flash(), b.flash()
    b.screenshot("referral-closed")
    b.go("/accounts")
    b.screenshot("accounts-after")
    # The customers list, filtered by part of a name; a customer's unit count lists its units.
    b.go("/customers?text=acme")
    assert [e.text for e in b.all("#customers tbody td:first-child a")] == ["ACME"]
    b.click("#customers tbody td:first-child a", "/customers/ACME")
    b.click("#customer-units", "/units?customer=ACME")
    assert "ACME-1" in [e.text for e in b.all("#units tbody td:first-child a")]
    b.screenshot("customer-units")
    b.sign_out()


if __name__ == "__main__":
    main()
