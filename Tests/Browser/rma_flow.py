#!/usr/bin/env python3
"""Drives a real headless Chromium through a whole RMA in Depot's web UI.

An engineer signs in, scans a serial into the search box, opens a hardware-fault case and diagnoses the unit
defective; a logistics user allocates and ships the replacement; an account manager sees the unit's lineage.
Screenshots of every view go to .build/screenshots/. On the way it checks the served OpenAPI document with
openapi-spec-validator and that the server stops cleanly (exit 0) on SIGTERM.

Usage: Tests/Browser/rma_flow.py PATH/TO/depot
"""
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

DEPOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/depot")
SHOTS = os.path.abspath(".build/screenshots")


def run(*args, **kwargs):
    return subprocess.run([DEPOT, *args], check=True, capture_output=True, text=True, **kwargs).stdout


def fixture(folder):
    """A small fleet whose dates follow today: ACME-1 is in warranty under a premium-plus contract."""
    today = datetime.date.today()
    files = {
        "models": "model,name,warranty_months,successor\nDX-100,Depot X 100,12,\n",
        "customers": "customer,name,region,account_manager,tam\nACME,Acme Corp,americas,Alice Manager,Tom Tam\n",
        "sites": 'site,customer,name,country,region,address\nACME-NYC,ACME,New York,US,americas,"1 Broadway, New York"\n',
        "depots": "depot,name,region\nD-US,Memphis,americas\n",
        "contracts": "contract,customer,tier,start_date,end_date,max_contacts\n"
        f"C-ACME,ACME,premium-plus,{today - datetime.timedelta(days=300)},{today + datetime.timedelta(days=300)},2\n",
        "contacts": "email,customer,name,designated,certified\nops@acme.example,ACME,Olga Ops,yes,yes\n",
        "releases": "version,released_on\n5.1,2025-09-01\n",
        "appliances": "serial,model,customer,site,depot,ship_date,software_version,status\n"
        f"ACME-1,DX-100,ACME,ACME-NYC,,{today - datetime.timedelta(days=60)},5.1,in-service\n"
        f"SPARE-US-1,DX-100,,,D-US,{today - datetime.timedelta(days=90)},5.1,in-stock\n",
    }
    for entity, text in files.items():
        path = os.path.join(folder, entity + ".csv")
        with open(path, "w") as f:
            f.write(text)
        run("import", entity, path)


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


class Browser:
    def __init__(self, base):
        self.base = base
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1000"):
            options.add_argument(argument)
        self.driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
        self.driver.implicitly_wait(5)
        self.shot = 0

    def go(self, path):
        self.driver.get(self.base + path)

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def screenshot(self, name):
        self.shot += 1
        self.driver.save_screenshot(os.path.join(SHOTS, f"{self.shot:02d}-{name}.png"))

    def sign_in(self, name, password):
        self.driver.delete_all_cookies()
        self.go("/sign-in")
        self.find("#name").send_keys(name)
        self.find("#password").send_keys(password)
        self.find("#sign-in").click()
        WebDriverWait(self.driver, 10).until(lambda d: "/sign-in" not in d.current_url)

    def sign_out(self):
        self.find(".signout button").click()
        self.wait_url("/sign-in")

    def wait_url(self, part):
        """Waits for the navigation a click started (clicks do not wait for the next page)."""
        WebDriverWait(self.driver, 10).until(lambda d: part in d.current_url)
        return self.driver.current_url

    def text(self, css):
        return self.find(css).text


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        os.environ["DEPOT_DB"] = os.path.join(folder, "depot.sqlite")
        run("init")
        fixture(folder)
        users = {}
        for name, role in (("erin", "support-engineer"), ("lars", "logistics"), ("anna", "account-manager")):
            users[name] = json.loads(run("user", "add", name, "--role", role, "--format", "json"))["password"]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([DEPOT, "serve", "--port", str(port), "--log-level", "warning"])
        try:
            wait_for(base + "/healthz")
            spec_path = os.path.join(folder, "openapi.yaml")
            urllib.request.urlretrieve(base + "/api/openapi.yaml", spec_path)
            spec, _ = read_from_filename(spec_path)
            validate(spec)
            print("OpenAPI document: valid OpenAPI 3.1")
            flow(Browser(base), users, folder)
        finally:
            server.send_signal(signal.SIGTERM)
            code = server.wait(timeout=30)
        if code != 0:
            raise SystemExit(f"depot serve exited {code} on SIGTERM")
        print("depot serve stopped cleanly on SIGTERM")


def flow(b, users, folder):
    try:
        # The engineer signs in and scans the unit's serial into the search box (a scanner types it and Enter).
        b.go("/sign-in")
        b.screenshot("sign-in")
        b.sign_in("erin", users["erin"])
        assert b.driver.current_url.endswith("/support"), b.driver.current_url
        b.screenshot("support-view")
        b.find("#q").send_keys("acme-1" + Keys.ENTER)
        b.wait_url("/units/ACME-1")
        assert b.text("#unit-serial") == "ACME-1"
        b.screenshot("unit-before")
        b.find("a.button[href^='/cases/new']").click()
        b.wait_url("/cases/new")
        assert b.find("#serial").get_attribute("value") == "ACME-1"
        b.find("#contact").send_keys("ops@acme.example")
        b.find("#impact option[value='high'], #impact").send_keys("high")
        b.find("#title").send_keys("Unit reboots every hour")
        b.find("#description").send_keys("Fans at full speed, then a reboot. <script>alert(1)</script>")
        b.screenshot("case-form")
        b.find("#open-case").click()
        b.wait_url("/cases/CS-")
        assert "<script>alert(1)</script>" in b.find(".text").text  # shown as text, not run
        # The engineer attaches a log through the page's upload form (a real multipart upload from the browser).
        log = os.path.join(folder, "reboot <1>.log")
        with open(log, "w") as f:
            f.write("kernel: watchdog reset\n" * 100)
        case_url = b.driver.current_url
        b.find("#attachment-file").send_keys(log)
        b.find("#attach").click()
        WebDriverWait(b.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#attachments a[href^='/attachments/']"))
        link = b.find("#attachments a[href^='/attachments/']")
        assert link.text == "reboot <1>.log", link.text
        assert b.driver.current_url == case_url, b.driver.current_url
        b.screenshot("case-page")
        b.find("#verdict").send_keys("defective")
        b.find("#note").send_keys("PSU fails under load; swapped cables, same fault")
        b.find("#diagnose").click()
        rma = b.wait_url("/rmas/RMA-").rsplit("/", 1)[1]
        assert b.text("#rma-state") == "approved"
        b.screenshot("rma-approved")
        b.sign_out()

        # Logistics allocates a spare from the queue and ships it.
        b.sign_in("lars", users["lars"])
        assert b.driver.current_url.endswith("/logistics"), b.driver.current_url
        b.screenshot("logistics-queue")
        b.find("#to-ship .step-allocate").click()
        WebDriverWait(b.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#to-ship .step-ship"))
        b.find("#to-ship input[name='carrier']").send_keys("UPS")
        b.find("#to-ship input[name='tracking']").send_keys("1Z999AA10123456784")
        b.screenshot("logistics-allocated")
        b.find("#to-ship .step-ship").click()
        # Shipped, the RMA leaves "to ship" for "in transit", where it is marked delivered.
        WebDriverWait(b.driver, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#in-transit .step-deliver"))
        b.go("/rmas/" + rma)
        assert b.text("#rma-state") == "shipped", b.text("#rma-state")
        assert b.text("#replacement") == "SPARE-US-1"
        b.screenshot("rma-shipped")
        # The replacement's shipping label, ready to print: the image loads (naturalWidth > 0 once the SVG renders).
        b.find("#label-replacement").click()
        WebDriverWait(b.driver, 10).until(lambda d: d.execute_script(
            "const i = document.getElementById('label'); return i && i.complete && i.naturalWidth > 0"))
        b.screenshot("rma-label")
        b.sign_out()

        # The account manager sees the lineage of the unit.
        b.sign_in("anna", users["anna"])
        assert b.driver.current_url.endswith("/accounts"), b.driver.current_url
        b.screenshot("accounts-view")
        b.find("#q").send_keys("ACME-1" + Keys.ENTER)
        b.wait_url("/units/ACME-1")
        assert b.text("#replaced-by") == "SPARE-US-1"
        assert [e.text for e in b.driver.find_elements(By.CSS_SELECTOR, "#lineage li")][:2] == ["ACME-1 (this unit)", "SPARE-US-1"]
        b.screenshot("unit-lineage")
        b.find("#replaced-by").click()
        b.wait_url("/units/SPARE-US-1")
        assert b.text("#replaces") == "ACME-1"
        b.screenshot("replacement-unit")
        b.go("/reports/warranty-expiry?within-days=400")
        b.screenshot("report-page")
        print(f"browser flow passed ({rma}); {b.shot} screenshots in {SHOTS}")
    except Exception:
        b.screenshot("failure")
        print("page at failure:", b.driver.current_url, file=sys.stderr)
        print(b.driver.page_source[:4000], file=sys.stderr)
        raise
    finally:
        b.driver.quit()


if __name__ == "__main__":
    main()
