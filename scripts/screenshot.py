"""Sign in to a running console with headless Chromium and save screenshots of its pages.

usage: .venv/bin/python scripts/screenshot.py URL USER OUT_DIR [PATH ...]
The password is read from the ERPKEEPER_SCREENSHOT_PASSWORD environment variable; for a user
with two-factor authentication, ERPKEEPER_SCREENSHOT_CODE holds a current code from the app (or a
recovery code).
"""

import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main(base: str, user: str, out_dir: str, paths: list[str]) -> None:
    password = os.environ["ERPKEEPER_SCREENSHOT_PASSWORD"]
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(base.rstrip("/") + "/login/")
        page.fill("input[name=username]", user)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/account/two-factor/verify/" in page.url:
            page.fill("input[name=code]", os.environ["ERPKEEPER_SCREENSHOT_CODE"])
            page.click("#two-factor-form button[type=submit]")
            page.wait_for_load_state("networkidle")
        for path in paths or ["/"]:
            page.goto(base.rstrip("/") + path)
            page.wait_for_load_state("networkidle")
            name = path.strip("/").replace("/", "_") or "dashboard"
            target = Path(out_dir) / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
