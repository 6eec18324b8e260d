#!/usr/bin/env python3
"""End-to-end browser test of `neural-style serve`'s page.

Drives Debian's headless Chromium (through /usr/bin/chromedriver, with Selenium) against a
server that is already running, as a person would: upload a photo, pick a Magenta style and
paint it; run a short Gatys optimisation with a painting and watch its progress and previews;
start a long one and cancel it. Every step saves a screenshot (DIR/NN-name.png) and prints
one line of what it saw.

Exit status 0 when every check passed; otherwise one line saying which step failed, what was
expected and what was seen, a screenshot of the moment, and exit status 1.
"""

import argparse
import json
import os
import re
import struct
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# One round trip that reads everything the checks look at on the page.
READ_PAGE_STATE = """
const byId = id => document.getElementById(id);
const text = id => { const el = byId(id); return el ? el.textContent.trim() : null; };
const visible = el => !!(el && (el.offsetWidth || el.offsetHeight || el.getClientRects().length));
const image = id => {
    const el = byId(id);
    if (!el) return null;
    return {src: el.getAttribute('src') || '', url: el.currentSrc || el.src || '',
            complete: el.complete, width: el.naturalWidth, height: el.naturalHeight,
            visible: visible(el)};
};
const go = byId('go');
const progress = byId('progress');
return {
    status: text('status'),
    error: text('error'),
    updates: progress ? progress.getAttribute('data-updates') : null,
    result: image('result'),
    preview: image('preview'),
    resultSize: text('result-size'),
    download: byId('download') ? (byId('download').getAttribute('href') || '') : null,
    goEnabled: go ? !go.disabled : null,
};
"""


class StepFailure(Exception):
    """A check that did not hold: which step, what was expected, what was seen."""

    def __init__(self, step, expected, seen):
        super().__init__(f"step {step}: expected {expected}; saw {seen}")
        self.step = step


class BrowserTest:
    """The browser session, the screenshot folder and the steps of the test."""

    def __init__(self, url, photo, painting, screenshots, token=None):
        self.url = url
        self.photo = os.path.abspath(photo)
        self.painting = os.path.abspath(painting)
        self.screenshots = screenshots
        self.token = token
        self.shot_number = 0
        self.driver = None

    # --- browser and page helpers -------------------------------------------------------

    def start_browser(self):
        """Starts headless Chromium through Debian's chromedriver (no Selenium Manager)."""
        options = webdriver.ChromeOptions()
        options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
        for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                         "--disable-gpu", "--window-size=1280,1400", "--hide-scrollbars"):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        service = Service(executable_path=os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
        self.driver = webdriver.Chrome(service=service, options=options)
        self.driver.set_page_load_timeout(60)

    def screenshot(self, name):
        """Saves the page as DIR/NN-name.png and returns the path."""
        self.shot_number += 1
        path = os.path.join(self.screenshots, f"{self.shot_number:02d}-{name}.png")
        self.driver.save_screenshot(path)
        return path

    def state(self):
        """The page's status, error, progress count, result and preview images, as a dict."""
        return self.driver.execute_script(READ_PAGE_STATE)

    def element(self, step, css):
        """The element CSS selects, or a StepFailure naming it."""
        found = self.driver.find_elements(By.CSS_SELECTOR, css)
        if not found:
            raise StepFailure(step, f"an element {css} on the page", "none")
        return found[0]

    def poll(self, step, expected, timeout, probe, interval=0.25):
        """Calls probe(state) until it returns something truthy (returned) or timeout passes.

        probe may raise StepFailure to stop at once (e.g. when the job failed).
        """
        deadline = time.monotonic() + timeout
        state = None
        while True:
            state = self.state()
            outcome = probe(state)
            if outcome:
                return outcome
            if time.monotonic() > deadline:
                raise StepFailure(step, f"{expected} within {timeout:g} s", describe(state))
            time.sleep(interval)

    def choose(self, step, select_id, value):
        """Chooses VALUE in <select id=select_id>, failing clearly if it is not offered."""
        element = self.element(step, f"#{select_id}")
        select = Select(element)
        offered = self.driver.execute_script(
            "return [...arguments[0].options].filter(o => !o.hidden && !o.disabled)"
            ".map(o => o.value);", element)
        if value not in offered:
            raise StepFailure(step, f"#{select_id} to offer {value!r}", f"options {offered}")
        select.select_by_value(value)

    def set_field(self, step, field_id, value):
        """Sets an <input> or <select> the way a person would, then checks it took the value."""
        field = self.element(step, f"#{field_id}")
        if field.tag_name.lower() == "select":
            self.choose(step, field_id, str(value))
            return
        kind = (field.get_attribute("type") or "text").lower()
        if kind == "checkbox":
            if field.is_selected() != bool(value):
                field.click()
            return
        if not field.is_displayed():
            raise StepFailure(step, f"#{field_id} to be shown", "it is hidden")
        if kind == "range":
            # A slider takes its value from script, with the events a person's drag would fire.
            self.driver.execute_script(
                "arguments[0].value = arguments[1];"
                "arguments[0].dispatchEvent(new Event('input', {bubbles: true}));"
                "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
                field, str(value))
        else:
            field.clear()
            field.send_keys(str(value))
            # A change event fires on blur; fire it now so the page sees the value at once.
            self.driver.execute_script(
                "arguments[0].dispatchEvent(new Event('change', {bubbles: true}));", field)
        now = field.get_attribute("value")
        if now != str(value):
            raise StepFailure(step, f"#{field_id} to hold {value}", f"value {now!r}")

    def upload(self, step, input_id, path):
        """Gives a file to <input type=file id=input_id> (it may be hidden behind a drop zone)."""
        self.element(step, f"#{input_id}").send_keys(path)

    def click_go(self, step):
        """Waits (≤ 60 s) until Go is enabled, i.e. the uploads are done, and clicks it."""
        self.poll(step, "#go to be enabled (uploads done)", 60, lambda s: s["goEnabled"])
        self.element(step, "#go").click()

    def wait_until_done(self, step, previous_result, timeout, watch=None):
        """Waits until #status says done with a new #result (not previous_result) loaded.

        Stops at once when the status says failed or cancelled. watch(state), if given, sees
        every state polled on the way (to record progress and previews).
        """
        def probe(state):
            if watch:
                watch(state)
            status = (state["status"] or "").lower()
            if status.startswith("failed") or status.startswith("cancelled"):
                raise StepFailure(step, "the job to succeed", describe(state))
            result = state["result"] or {}
            new_result = result.get("src") and result.get("src") != previous_result
            if status.startswith("done") and new_result and result.get("complete") \
                    and result.get("width", 0) > 0:
                return state
            return None
        return self.poll(step, "#status 'done' and a new #result loaded", timeout, probe)

    def fetch(self, url):
        """GETs url (relative to the page) with urllib: (status, content type, body)."""
        absolute = urllib.parse.urljoin(self.driver.current_url, url)
        request = urllib.request.Request(absolute)
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.headers.get("Content-Type", ""), response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Content-Type", ""), error.read()

    def check_result_png(self, step, state, longest_side):
        """Checks the #result image and the PNG the server sends for it; returns (w, h)."""
        result = state["result"]
        width, height = result["width"], result["height"]
        if max(width, height) != longest_side:
            raise StepFailure(step, f"#result's longest side {longest_side}",
                              f"natural size {width}×{height}")
        status, content_type, body = self.fetch(result["src"])
        png_size = png_dimensions(body)
        if status != 200 or png_size is None:
            raise StepFailure(step, f"GET {result['src']} to answer 200 with a PNG",
                              f"{status} {content_type}, {len(body)} bytes starting {body[:8]!r}")
        if png_size != (width, height):
            raise StepFailure(step, f"the PNG's IHDR to say {width}×{height}",
                              f"{png_size[0]}×{png_size[1]}")
        shown = re.search(r"(\d+)\s*[×x]\s*(\d+)", state["resultSize"] or "")
        if not shown or (int(shown.group(1)), int(shown.group(2))) != (width, height):
            raise StepFailure(step, f"#result-size to say {width}×{height}",
                              repr(state["resultSize"]))
        if "/result" not in (state["download"] or ""):
            raise StepFailure(step, "#download to link to the result", repr(state["download"]))
        return width, height

    # --- the steps ----------------------------------------------------------------------

    def step_open(self):
        """a. Opens the page and waits until /api/models has loaded into the selects."""
        step = "a (open the page)"
        self.driver.get(self.url)

        def models_loaded(_state):
            # Loaded: the request for /api/models has completed and the page has filled in
            # what it learnt (the style thumbnails or a model list).
            return self.driver.execute_script("""
                const fetched = performance.getEntriesByType('resource')
                    .some(entry => new URL(entry.name).pathname === '/api/models');
                const method = document.getElementById('method');
                const model = document.getElementById('model');
                const thumbs = document.querySelectorAll('#styles button.style-thumb');
                return fetched && method && method.options.length > 0
                    && (thumbs.length > 0 || (model && model.options.length > 0));
            """)
        self.poll(step, "/api/models fetched and #method populated", 30, models_loaded)
        methods = self.driver.execute_script(
            "return [...document.getElementById('method').options]"
            ".filter(o => !o.hidden && !o.disabled).map(o => o.value);")
        thumbs = len(self.driver.find_elements(By.CSS_SELECTOR, "#styles button.style-thumb"))
        error = self.state()["error"]
        if error:
            raise StepFailure(step, "no error shown", f"#error {error!r}")
        path = self.screenshot("page-loaded")
        print(f"a. page loaded: methods offered {methods}, {thumbs} style thumbnails ({path})")

    def step_magenta(self):
        """b. Paints the photo with Magenta's style 7 at 128 px and checks the result."""
        step = "b (magenta, style 7, size 128)"
        previous = (self.state()["result"] or {}).get("src")
        self.upload(step, "content-file", self.photo)
        self.choose(step, "method", "magenta")
        thumb_css = '#styles button.style-thumb[data-index="7"]'
        self.poll(step, f"the style thumbnail {thumb_css}", 30,
                  lambda _s: self.driver.find_elements(By.CSS_SELECTOR, thumb_css))
        thumb = self.element(step, thumb_css)
        thumb.click()
        pressed = thumb.get_attribute("aria-pressed")
        if pressed is not None and pressed != "true":
            raise StepFailure(step, "thumbnail 7 to show it is chosen (aria-pressed true)",
                              f"aria-pressed {pressed!r}")
        style_name = thumb.get_attribute("title") or thumb.text or "style 7"
        self.set_field(step, "size", 128)
        self.click_go(step)
        self.screenshot("magenta-submitted")
        state = self.wait_until_done(step, previous, 120)
        width, height = self.check_result_png(step, state, 128)
        path = self.screenshot("magenta-done")
        print(f"b. magenta (style 7, {style_name!r}) done: result {width}×{height}, "
              f"the PNG's IHDR agrees ({path})")

    def step_gatys(self):
        """c. Runs Gatys at 64 px for 30 iterations; checks progress events and previews."""
        step = "c (gatys, size 64, 30 iterations)"
        previous = (self.state()["result"] or {}).get("src")
        self.choose(step, "method", "gatys")
        self.upload(step, "style-file", self.painting)
        self.set_field(step, "size", 64)
        self.set_field(step, "iterations", 30)
        self.set_field(step, "preview-every", 5)
        self.click_go(step)

        seen = {"preview": False, "updates": 0}

        def watch(state):
            seen["updates"] = max(seen["updates"], updates_of(state))
            preview = state["preview"] or {}
            if "/preview" in preview.get("src", "") and preview.get("width", 0) > 0:
                seen["preview"] = True

        def started(state):
            watch(state)
            status = (state["status"] or "").lower()
            fresh_result = (state["result"] or {}).get("src") not in (None, "", previous)
            return status.startswith(("queued", "running")) or fresh_result
        self.poll(step, "#status queued or running", 30, started)

        def two_updates(state):
            watch(state)
            status = (state["status"] or "").lower()
            if status.startswith(("failed", "cancelled")):
                raise StepFailure(step, "the job to run", describe(state))
            return state if updates_of(state) >= 2 else None
        state = self.poll(step, "#progress[data-updates] ≥ 2", 300, two_updates)
        path = self.screenshot("gatys-running")
        print(f"c. gatys under way: {updates_of(state)} progress updates, "
              f"status {state['status']!r} ({path})")

        state = self.wait_until_done(step, previous, 300, watch)
        watch(state)
        self.check_result_png(step, state, 64)
        if not seen["preview"]:
            raise StepFailure(step, "a #preview image shown during the run",
                              f"none (last #preview {state['preview']})")
        path = self.screenshot("gatys-done")
        print(f"c. gatys done: {updates_of(state)} progress updates, a preview was shown, "
              f"result {state['result']['width']}×{state['result']['height']} ({path})")

    def step_cancel(self):
        """d. Starts a 500-iteration Gatys run and cancels it."""
        step = "d (cancel a gatys run)"
        self.set_field(step, "iterations", 500)
        self.click_go(step)

        def under_way(state):
            status = (state["status"] or "").lower()
            if status.startswith(("failed", "cancelled")):
                raise StepFailure(step, "the job to start", describe(state))
            return state if status.startswith(("queued", "running")) else None
        state = self.poll(step, "#status queued or running", 60, under_way)
        self.screenshot("cancel-under-way")
        self.element(step, "#cancel").click()

        def cancelled(state):
            status = (state["status"] or "").lower()
            if status.startswith("done"):
                raise StepFailure(step, "#status cancelled",
                                  f"the job finished first: {describe(state)}")
            return "cancelled" in status
        try:
            self.poll(step, "#status to say cancelled", 30, cancelled)
        except StepFailure as failure:
            # Which side lost the cancel: the server's own account of its newest job says.
            status, _type, body = self.fetch("/api/jobs")
            try:
                seen = json.loads(body)["jobs"][-1] if status == 200 else body[:300]
            except (ValueError, KeyError, IndexError):
                seen = body[:300]
            raise StepFailure(step, "#status to say cancelled within 30 s",
                              f"{describe(self.state())}; the server's newest job: {seen}") from failure
        was = state["status"]
        # The server agrees: nothing is left queued or running.
        self.poll(step, "GET /api/jobs to show no job queued or running", 15,
                  lambda _s: not self.active_jobs(step))
        path = self.screenshot("cancelled")
        print(f"d. cancelled a job that was {was!r}: #status now {self.state()['status']!r}, "
              f"the server has no job queued or running ({path})")

    def active_jobs(self, step):
        """The ids of the server's jobs still queued or running."""
        status, _type, body = self.fetch("/api/jobs")
        try:
            jobs = json.loads(body)["jobs"] if status == 200 else None
        except (ValueError, KeyError):
            jobs = None
        if jobs is None:
            raise StepFailure(step, "GET /api/jobs to answer 200 with {\"jobs\": [...]}",
                              f"{status}: {body[:200]!r}")
        return [job["id"] for job in jobs if job["status"] in ("queued", "running")]

    def run(self):
        """Runs every step; returns the exit status."""
        os.makedirs(self.screenshots, exist_ok=True)
        try:
            self.start_browser()
        except WebDriverException as error:
            print(f"FAIL: could not start headless Chromium: {first_line(error.msg)}")
            return 1
        try:
            self.step_open()
            self.step_magenta()
            self.step_gatys()
            self.step_cancel()
        except StepFailure as failure:
            self.report_failure(str(failure))
            return 1
        except WebDriverException as error:
            self.report_failure(f"the browser: {first_line(error.msg)}")
            return 1
        except OSError as error:  # from urllib
            self.report_failure(f"a request to the server: {error}")
            return 1
        finally:
            self.driver.quit()
        print(f"PASS: every step of the browser test; screenshots in {self.screenshots}")
        return 0

    def report_failure(self, message):
        """Prints the failure line, then saves a screenshot and prints the console's errors."""
        print(f"FAIL {message}")
        try:
            path = self.screenshot("failure")
            print(f"  screenshot: {path}")
            for entry in self.driver.get_log("browser"):
                if entry.get("level") in ("SEVERE", "WARNING"):
                    print(f"  console {entry['level']}: {entry['message']}")
        except WebDriverException:
            pass


def updates_of(state):
    """#progress's data-updates as an int (0 when absent)."""
    try:
        return int(state["updates"] or 0)
    except ValueError:
        return 0


def describe(state):
    """A one-line account of the page's state for a failure message."""
    result = state.get("result") or {}
    parts = [f"#status {state.get('status')!r}"]
    if state.get("error"):
        parts.append(f"#error {state['error']!r}")
    parts.append(f"data-updates {state.get('updates')!r}")
    parts.append(f"#result src {result.get('src')!r} "
                 f"({result.get('width')}×{result.get('height')})")
    parts.append(f"Go enabled {state.get('goEnabled')}")
    return ", ".join(parts)


def png_dimensions(data):
    """(width, height) from a PNG's IHDR chunk, or None when data is not a PNG."""
    if len(data) < 24 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def first_line(text):
    """The first line of a (possibly multi-line) message."""
    return (text or "").strip().splitlines()[0] if (text or "").strip() else "(no message)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the page, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--photo", required=True, help="the photograph to paint")
    parser.add_argument("--painting", required=True, help="the painting for Gatys")
    parser.add_argument("--screenshots", required=True, help="folder for NN-name.png screenshots")
    arguments = parser.parse_args()
    for path in (arguments.photo, arguments.painting):
        if not os.path.isfile(path):
            print(f"FAIL: no such picture: {path}")
            return 1
    query = urllib.parse.parse_qs(urllib.parse.urlparse(arguments.url).query)
    token = query.get("token", [None])[0]
    test = BrowserTest(arguments.url, arguments.photo, arguments.painting,
                       arguments.screenshots, token)
    return test.run()


if __name__ == "__main__":
    sys.exit(main())
