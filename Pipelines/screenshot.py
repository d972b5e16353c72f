#!/usr/bin/env python3
"""Renders HTML files with headless Chromium to PNG and checks that each page loads cleanly.

    python3 Pipelines/screenshot.py [--width 1366] [--print] [--out-dir DIR] FILE.html [FILE.html ...]

For each FILE.html it writes FILE.png (or DIR/FILE.png) — the whole page, not just the first
screen; with --print, FILE.print.png: the page as its print styles lay it out on an A4 width
(794 CSS pixels) — and fails (exit 1) when the page logged a console error, threw an exception, broke a
Content-Security-Policy rule, or asked for anything from the network (any request whose URL is
not the file itself, another local file, `data:` or `about:`). A page of ours must work offline.

Chromium is driven through the DevTools protocol over a pipe (`--remote-debugging-pipe`: the
browser reads commands from file descriptor 3 and writes to 4, each message NUL-terminated),
so nothing beyond the Python standard library is needed. When no Chromium is found, it tries
`apt-get install chromium` (as root, or with sudo when that needs no password); when that
fails too it says so and exits 0 with "skipped", so `make test` still runs elsewhere.
"""

import argparse
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
# Seconds a page may take to load and render.
LOAD_SECONDS_MAX = 30
# Tallest screenshot taken, in CSS pixels (Chromium refuses larger textures).
HEIGHT_PIXELS_MAX = 16000


def find_browser():
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def install_browser():
    """Installs chromium with apt-get when it can do so without asking; returns its path or None."""
    if not shutil.which("apt-get"):
        return None
    prefix = [] if os.geteuid() == 0 else (["sudo", "-n"] if shutil.which("sudo") else None)
    if prefix is None:
        return None
    print("screenshot: chromium not found; installing it with apt-get", file=sys.stderr)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        if subprocess.run(prefix + command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
            return None
    return find_browser()


class Browser:
    """One headless Chromium spoken to over the DevTools pipe."""

    def __init__(self, path, profile):
        self.to_browser_r, self.to_browser_w = os.pipe()
        self.from_browser_r, self.from_browser_w = os.pipe()
        args = [path, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                "--disable-background-networking", "--disable-sync", "--disable-component-update",
                "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}", "about:blank"]

        def wire():
            # Through fresh descriptors first, so that neither end lands on the other's place.
            reads, writes = os.dup(self.to_browser_r), os.dup(self.from_browser_w)
            os.dup2(reads, 3)
            os.dup2(writes, 4)

        self.process = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL, preexec_fn=wire, pass_fds=(3, 4))
        os.close(self.to_browser_r)
        os.close(self.from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser_w, json.dumps(message).encode() + b"\0")
        return self.next_id

    def read_message(self, deadline):
        while b"\0" not in self.buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.from_browser_r, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, params=None, session=None, seconds=LOAD_SECONDS_MAX):
        wanted = self.send(method, params, session)
        deadline = time.monotonic() + seconds
        while True:
            message = self.read_message(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            if "method" in message:
                self.events.append(message)

    def wait_for(self, method, seconds=LOAD_SECONDS_MAX):
        for index, event in enumerate(self.events):
            if event["method"] == method:
                return self.events.pop(index)
        deadline = time.monotonic() + seconds
        while True:
            message = self.read_message(deadline)
            if message.get("method") == method:
                return message
            if "method" in message:
                self.events.append(message)

    def close(self):
        try:
            self.send("Browser.close")
            self.process.wait(timeout=10)
        except Exception:
            self.process.kill()
            self.process.wait()


def problems_of(events, page_url):
    """What went wrong while the page loaded: console errors, exceptions, requests to the network."""
    found = []
    for event in events:
        method, params = event["method"], event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(arg.get("value", arg.get("description", ""))) for arg in params.get("args", []))
            found.append(f"console error: {text}")
        elif method == "Runtime.exceptionThrown":
            found.append(f"exception: {params.get('exceptionDetails', {}).get('text', '')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"{entry.get('source', 'log')} error: {entry.get('text', '')} {entry.get('url', '')}".rstrip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            if url != page_url and not url.startswith(("file:", "data:", "about:")):
                found.append(f"network request: {url}")
    return found


def shoot(browser, path, png, width, media):
    page_url = "file://" + os.path.abspath(path)
    target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log", "Network"):
        browser.call(f"{domain}.enable", session=session)
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session=session)
    if media:
        browser.call("Emulation.setEmulatedMedia", {"media": media}, session=session)
    browser.events.clear()
    browser.call("Page.navigate", {"url": page_url}, session=session)
    browser.wait_for("Page.loadEventFired")
    metrics = browser.call("Page.getLayoutMetrics", session=session)
    size = metrics.get("cssContentSize") or metrics.get("contentSize")
    height = min(int(size["height"]) + 1, HEIGHT_PIXELS_MAX)
    shot = browser.call("Page.captureScreenshot",
                        {"format": "png", "captureBeyondViewport": True,
                         "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}, session=session)
    with open(png, "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    # Events that arrived with the screenshot count too.
    problems = problems_of(browser.events, page_url)
    browser.call("Target.closeTarget", {"targetId": target})
    return problems, height


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="HTML files to render")
    parser.add_argument("--width", type=int, default=1366, help="viewport width in CSS pixels (a laptop screen)")
    parser.add_argument("--out-dir", help="where the PNGs go (default: beside each file)")
    parser.add_argument("--print", dest="print_media", action="store_true",
                        help="lay the page out with its print styles on an A4 width (794 CSS pixels)")
    args = parser.parse_args()
    if args.print_media:
        args.width = 794

    for path in args.files:
        if not os.path.isfile(path):
            print(f"screenshot: no file {path}", file=sys.stderr)
            return 2
    browser_path = find_browser() or install_browser()
    if not browser_path:
        print("screenshot: skipped — no Chromium found and it could not be installed with apt-get "
              "(install chromium to render and check the pages)")
        return 0

    failed = 0
    with tempfile.TemporaryDirectory(prefix="mallsettle-shot-") as profile:
        browser = Browser(browser_path, profile)
        try:
            for path in args.files:
                folder = args.out_dir or os.path.dirname(os.path.abspath(path))
                os.makedirs(folder, exist_ok=True)
                suffix = ".print.png" if args.print_media else ".png"
                png = os.path.join(folder, os.path.splitext(os.path.basename(path))[0] + suffix)
                problems, height = shoot(browser, path, png, args.width, "print" if args.print_media else None)
                if problems:
                    failed += 1
                    print(f"screenshot: FAIL {path}")
                    for problem in problems:
                        print(f"  {problem}")
                else:
                    print(f"screenshot: ok {path} -> {png} ({args.width}x{height}, no console error, no network request)")
        finally:
            browser.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
