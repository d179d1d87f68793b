"""The support handbook's promises in the browser (issue 18), for rma_flow.py: a premium customer's case opened at
night with its PIN (round-the-clock, wall-clock deadlines) and with a wrong one (clocks from the next opening), and the
satisfaction survey its contact answers through the one-time link a webhook receiver got, then leadership's csat page.

The server runs at the real time, so the fixture gives a premium customer to each region and picks one whose region
is closed now and for the next 20 minutes (Depot's own `depot sla --without-pin` tells); London and Sydney are never
open at once, so there always is one."""
import datetime
import http.server
import json
import os
import re
import threading
import time

from selenium.webdriver.support.ui import Select

NIGHT = {"emea": ("NIGHT-E", "night@emea.example"), "apac": ("NIGHT-A", "night@apac.example"),
         "americas": ("NIGHT-U", "night@americas.example")}


def fixture(folder, run):
    """Premium customers in every region; the one whose region stays closed longest now, its contact and PIN."""
    today = datetime.date.today()
    start, end = today - datetime.timedelta(days=300), today + datetime.timedelta(days=300)
    rows = {
        "customers": "customer,name,region,account_manager,tam\n"
        + "".join(f"{key},Night {region},{region},Alice Manager,\n" for region, (key, _) in NIGHT.items()),
        "sites": "site,customer,name,country,region,address\n"
        + "".join(f"{key}-HQ,{key},Head office,GB,{region},1 Night Street\n" for region, (key, _) in NIGHT.items()),
        "contracts": "contract,customer,tier,start_date,end_date,max_contacts\n"
        + "".join(f"C-{key},{key},premium,{start},{end},2\n" for key, _ in NIGHT.values()),
        "contacts": "email,customer,name,designated,certified\n"
        + "".join(f"{email},{key},Nina Night,yes,yes\n" for key, email in NIGHT.values()),
    }
    for entity, text in rows.items():
        path = os.path.join(folder, "night-" + entity + ".csv")
        with open(path, "w") as f:
            f.write(text)
        run("import", entity, path)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    closed = []
    for region in NIGHT:
        answer = json.loads(run("sla", "--tier", "premium", "--priority", "P1", "--region", region, "--opened",
                                now.isoformat(), "--without-pin", "--format", "json"))
        opens = datetime.datetime.fromisoformat(answer["clocksFrom"].replace("Z", "+00:00"))
        if opens - now > datetime.timedelta(minutes=20):
            closed.append((opens, region))
    assert closed, "no region is closed for the next 20 minutes"
    region = max(closed)[1]
    key, email = NIGHT[region]
    pin = json.loads(run("customer", "pin", key, "--format", "json"))["pin"]
    return {"customer": key, "contact": email, "pin": pin, "region": region}


class Receiver:
    """A webhook endpoint on loopback that keeps the JSON bodies it receives."""

    def __init__(self, port):
        self.bodies = []
        bodies = self.bodies

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event, subject, run, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for body in self.bodies:
                if body.get("event") == event and body.get("subject") == subject:
                    return body
            run("notify", "deliver", "--once")
            time.sleep(0.5)
        raise AssertionError(f"no {event} for {subject} reached the receiver: {self.bodies}")

    def close(self):
        self.server.shutdown()


def night_and_survey(b, users, night, run, free_port):
    """The engineer opens the night customer's case with its PIN and with a wrong one; the first is closed on the
    command line; its contact answers the survey from the link; the account manager reads csat."""
    receiver = Receiver(free_port())
    try:
        run("notify", "endpoint", "add", "contacts", f"http://127.0.0.1:{receiver.server.server_port}/hook",
            "--secret", "s3cret-for-the-browser-test")
        case = open_at_night(b, users, night)
        run("case", "respond", case, "--as", "erin")
        run("case", "resolve", case, "--as", "erin")
        run("case", "close", case, "--confirmed-by", night["contact"], "--as", "erin")
        invitation = receiver.wait_for("survey-invitation", case, run)
        assert invitation["contact"] == night["contact"] and re.fullmatch(r"/survey/[A-Za-z0-9_-]{43}",
                                                                          invitation["surveyPath"]), invitation
        answer_survey(b, invitation["surveyPath"], case)
    finally:
        receiver.close()
    leadership_reads(b, users, case)


def open_at_night(b, users, night):
    """A P1 question with the right PIN (after-hours, wall-clock) and one with a wrong PIN (the next opening)."""
    b.sign_in("erin", users["erin"])
    numbers = []
    for pin, expected in ((night["pin"], "round-the-clock support"), ("00000000", "next opening")):
        b.go(f"/cases/new?customer={night['customer']}")
        Select(b.find("#contact")).select_by_value(night["contact"])
        Select(b.find("#type")).select_by_value("question")
        Select(b.find("#impact")).select_by_value("high")
        Select(b.find("#urgency")).select_by_value("high")
        b.find("#title").send_keys("Login service down at night")
        b.find("#pin").send_keys(pin)
        b.screenshot("case-form-at-night")
        b.click("#open-case", "/cases/CS-")
        assert expected in b.text("#clock-note"), b.text("#clock-note")
        numbers.append(b.driver.current_url.rsplit("/", 1)[1].split("#")[0])
        b.screenshot("case-at-night")
    # The PIN is nowhere on the pages that follow.
    assert night["pin"] not in b.driver.page_source
    b.sign_out()
    return numbers[0]


def answer_survey(b, path, case):
    """The contact, signed in as nobody, answers once; the link then only thanks."""
    b.go(path)
    assert b.text("#survey-case") == case, b.text("#survey-case")
    b.screenshot("survey")
    b.find("#score-4").click()
    b.find("#comment").send_keys("Answered at night within the hour. <b>Thanks</b>")
    b.click("#send-survey", "/survey/")
    assert "Thank you" in b.text("#survey-message"), b.text("#survey-message")
    b.screenshot("survey-answered")
    b.go(path)
    assert not b.all("#send-survey") and "can be used once" in b.text("#survey-message")


def leadership_reads(b, users, case):
    """The account manager's csat page: the chart by month and region and the comment, as text."""
    b.sign_in("anna", users["anna"])
    b.go("/reports/csat")
    assert b.all("#csat-chart svg rect"), "no chart"
    comments = b.text("#csat-comments")
    assert "Answered at night within the hour. <b>Thanks</b>" in comments and case in comments, comments
    b.screenshot("csat")
    b.sign_out()
