"""Drives the station's web UI in headless Chromium against the real daemon (see check-webui.sh)."""

import argparse
import base64
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

PIN = "135790"
GTIN = "8938512345017"
COUNT = 20
LONG = 400


class CheckFailed(Exception):
    pass


def run(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise CheckFailed(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r.stdout


class Daemon:
    def __init__(self, station, data_dir):
        self.data_dir = data_dir
        self.log_path = os.path.join(data_dir, "daemon.log")
        self.log = open(self.log_path, "w")
        env = {k: v for k, v in os.environ.items() if not k.startswith("STATION_")}
        env["STATION_WEB_PIN"] = PIN
        self.proc = subprocess.Popen(
            [station, "run", "--config", "Config/station.toml", "--data-dir", data_dir, "--port", "0"],
            stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        port_file = os.path.join(data_dir, "web.port")
        deadline = time.time() + 30
        while time.time() < deadline:
            if os.path.exists(port_file):
                text = open(port_file).read().strip()
                if text.isdigit():
                    self.port = int(text)
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise CheckFailed("the daemon did not start listening; log:\n" + self.tail())

    def scan(self, line):
        self.proc.stdin.write((line + "\r\n").encode())
        self.proc.stdin.flush()

    def tail(self):
        self.log.flush()
        return open(self.log_path).read()[-4000:]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return None
        return self.proc.returncode


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
              "--window-size=1280,900", "--lang=vi", "--force-device-scale-factor=1"]:
        opts.add_argument(a)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=opts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--station", required=True)
    ap.add_argument("--screenshots", required=True)
    args = ap.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="station-webui-")
    station = os.path.abspath(args.station)
    common = ["--config", "Config/station.toml", "--data-dir", data_dir]
    run([station, "product", "add", "--gtin", GTIN, "--name", "Miến dong Na Rì", "--producer", "HTX Miến dong Na Rì",
         "--producer-gln", "8938512340005", "--address", "Na Rì, Bắc Kạn", "--shelf-life-days", "364", *common])
    daemon = Daemon(station, data_dir)
    driver = None
    started = time.time()
    try:
        driver = browser()
        wait = WebDriverWait(driver, 30)
        by_id = lambda i: driver.find_element(By.ID, i)

        def shot(name):
            driver.save_screenshot(os.path.join(args.screenshots, name))

        def expect(cond, what):
            try:
                return wait.until(cond)
            except TimeoutException:
                raise CheckFailed(f"the page never showed {what}; daemon log:\n{daemon.tail()}")

        driver.get(f"http://127.0.0.1:{daemon.port}/")
        # Log in with the PIN on the keypad (a wrong PIN first: the page must say so).
        expect(EC.visibility_of_element_located((By.ID, "login")), "the PIN pad")
        for d in "9999":
            driver.find_element(By.CSS_SELECTOR, f'.keypad button[data-key="{d}"]').click()
        by_id("login-btn").click()
        expect(EC.text_to_be_present_in_element((By.ID, "login-error"), "PIN"), "the wrong-PIN message")
        for d in PIN:
            driver.find_element(By.CSS_SELECTOR, f'.keypad button[data-key="{d}"]').click()
        by_id("login-btn").click()
        expect(EC.visibility_of_element_located((By.ID, "page-print")), "the print page after login")
        if by_id("tab-print").text != "In tem":
            raise CheckFailed(f"the page is not in Vietnamese by default: tab reads {by_id('tab-print').text!r}")

        # Create a batch from the page, then print 20 stamps.
        lot = "WEB" + time.strftime("%H%M%S")
        by_id("new-batch").find_element(By.TAG_NAME, "summary").click()
        by_id("new-lot").send_keys(lot)
        by_id("create-batch").click()
        expect(EC.text_to_be_present_in_element((By.ID, "print-message"), lot), f"the new batch {lot}")
        selected = driver.execute_script("return document.getElementById('batch-select').value")
        if selected != lot:
            raise CheckFailed(f"the new batch is not selected (selected {selected!r})")
        count = by_id("job-count")
        count.clear()
        count.send_keys(str(COUNT))
        by_id("start-job").click()
        expect(lambda d: by_id("job-progress").get_attribute("aria-valuenow") == "100", "the progress bar at 100%")
        expect(EC.text_to_be_present_in_element((By.ID, "job-state"), "Đã xong"), "the job as done")
        progress = by_id("job-progress-text").text
        if not progress.startswith(f"{COUNT} / {COUNT}"):
            raise CheckFailed(f"progress text reads {progress!r}, expected {COUNT} / {COUNT}")
        expect(EC.text_to_be_present_in_element((By.ID, "printer-status"), "Sẵn sàng"), "the printer's status")
        shot("job.png")
        labels = sorted(f for f in os.listdir(os.path.join(data_dir, "labels")) if f.endswith(".zpl"))
        if len(labels) != COUNT:
            raise CheckFailed(f"the virtual printer got {len(labels)} labels, expected {COUNT}")

        # A scan on the daemon's stdin shows up in the live scan log with its verdict.
        link = run(["zbarimg", "-q", "--raw", os.path.join(data_dir, "labels", "000001.png")]).strip()
        by_id("tab-scans").click()
        daemon.scan(link)
        expect(lambda d: any(li.get_attribute("data-outcome") == "accepted" and link in li.text
                             for li in d.find_elements(By.CSS_SELECTOR, "#scan-list li.scan.ok")), "the scan as accepted")
        verdict = driver.find_element(By.CSS_SELECTOR, "#scan-list li.scan.ok .verdict").text
        if verdict != "HỢP LỆ":
            raise CheckFailed(f"the scan's verdict reads {verdict!r}")
        forged = link[:-1] + ("A" if link[-1] != "A" else "B")
        daemon.scan(forged)
        expect(lambda d: any(forged in li.text for li in d.find_elements(By.CSS_SELECTOR, "#scan-list li.scan.bad")),
               "the altered code as rejected (red)")
        shot("scan-log.png")

        # An inspector uploads a photo: the label preview of a printed serial is a genuine stamp.
        serial = link.split("/21/")[1].split("?")[0]
        photo = os.path.join(data_dir, "photo.png")
        run([station, "label", "preview", "--batch", lot, "--serial", serial, "--out", photo, *common])
        by_id("tab-inspect").click()
        by_id("photo-file").send_keys(photo)
        card = expect(EC.visibility_of_element_located((By.CSS_SELECTOR, "#photo-result .verdict-card")), "a verdict for the photo")
        if card.get_attribute("data-verdict") != "genuine" or "TEM THẬT" not in card.text or serial not in card.text:
            raise CheckFailed(f"the photo's verdict reads {card.text!r}")
        shot("inspect.png")

        # Pause and resume a longer job from the page: while paused the count stands still.
        by_id("tab-print").click()
        count = by_id("job-count")
        count.clear()
        count.send_keys(str(LONG))
        by_id("start-job").click()
        expect(EC.text_to_be_present_in_element((By.ID, "job-state"), "Đang in"), "the long job running")
        by_id("pause-job").click()
        expect(EC.text_to_be_present_in_element((By.ID, "job-state"), "Tạm dừng"), "the job paused")
        held = by_id("job-progress-text").text
        time.sleep(1.5)
        if by_id("job-progress-text").text != held:
            raise CheckFailed(f"a paused job kept printing: {held!r} then {by_id('job-progress-text').text!r}")
        paused_at = int(held.split(" / ")[0])
        if not 0 < paused_at < LONG:
            raise CheckFailed(f"the job paused at {held!r}, not part-way")
        by_id("resume-job").click()
        try:
            WebDriverWait(driver, 180).until(lambda d: by_id("job-progress").get_attribute("aria-valuenow") == "100")
        except TimeoutException:
            raise CheckFailed(f"the resumed job never reached 100% ({by_id('job-progress-text').text}); daemon log:\n{daemon.tail()}")
        expect(EC.text_to_be_present_in_element((By.ID, "job-state"), "Đã xong"), "the resumed job as done")
        total = len([f for f in os.listdir(os.path.join(data_dir, "labels")) if f.endswith(".zpl")])
        if total != COUNT + LONG:
            raise CheckFailed(f"after pause and resume the printer has {total} labels, expected {COUNT + LONG}")

        # Reprint one stamp and void another, each with a reason, from the stamps page.
        by_id("tab-stamps").click()
        serial_input = by_id("stamp-serial")
        serial_input.send_keys(serial)
        by_id("reprint").click()
        expect(EC.text_to_be_present_in_element((By.ID, "stamp-message"), "Đã in lại tem " + serial), "the reprint confirmed")
        total = len([f for f in os.listdir(os.path.join(data_dir, "labels")) if f.endswith(".zpl")])
        if total != COUNT + LONG + 1:
            raise CheckFailed(f"the reprint did not reach the printer ({total} labels)")
        other = run(["zbarimg", "-q", "--raw", os.path.join(data_dir, "labels", "000002.png")]).strip().split("/21/")[1].split("?")[0]
        serial_input.clear()
        serial_input.send_keys(other)
        by_id("void").click()
        expect(EC.text_to_be_present_in_element((By.ID, "stamp-message"), "Đã hủy tem " + other), "the void confirmed")
        with sqlite3.connect(f"file:{os.path.join(data_dir, 'station.sqlite')}?mode=ro", uri=True) as db:
            state_row = (db.execute("SELECT state FROM serial_states WHERE serial = ?", (other,)).fetchone() or ("none",))[0]
        if state_row != "voided":
            raise CheckFailed(f"the voided stamp {other} is {state_row!r} in the ledger")

        # Label preview: the picture on the page is the stamp itself (zbar reads its Digital Link).
        by_id("tab-preview").click()
        driver.execute_script("document.getElementById('preview-batch').value = arguments[0]", lot)
        by_id("preview-serial").send_keys(serial)
        by_id("preview-show").click()
        expect(lambda d: d.execute_script("const i = document.getElementById('preview-image'); return !i.hidden && i.complete && i.naturalWidth > 0"),
               "the preview image")
        # The pixels the page shows, as the browser decoded them.
        png_b64 = driver.execute_script("""
            const i = document.getElementById('preview-image');
            const c = document.createElement('canvas');
            c.width = i.naturalWidth; c.height = i.naturalHeight;
            c.getContext('2d').drawImage(i, 0, 0);
            return c.toDataURL('image/png').split(',')[1];""")
        preview_png = os.path.join(data_dir, "preview-page.png")
        with open(preview_png, "wb") as f:
            f.write(base64.b64decode(png_b64))
        shown = run(["zbarimg", "-q", "--raw", preview_png]).strip()
        if shown != link:
            raise CheckFailed(f"the preview decodes to {shown!r}, not the printed stamp {link!r}")
        shot("preview.png")

        # Sync page: offline here, with every event of this session waiting for a server.
        by_id("tab-sync").click()
        expect(EC.text_to_be_present_in_element((By.ID, "sync-server"), "ngoại tuyến"), "the sync page saying offline")
        backlog = by_id("sync-backlog").text
        if int(backlog.split(" ")[0]) < COUNT + LONG:
            raise CheckFailed(f"the sync backlog reads {backlog!r}, fewer than the {COUNT + LONG} stamps printed")

        # English switch: every label comes from the strings table.
        by_id("tab-print").click()
        by_id("lang-switch").click()
        expect(EC.text_to_be_present_in_element((By.ID, "tab-print"), "Print"), "the English tab names")
        if by_id("job-state").text != "Done" or by_id("start-job").text != "Start printing":
            raise CheckFailed(f"English texts missing: state {by_id('job-state').text!r}, button {by_id('start-job').text!r}")
        shot("english.png")
    finally:
        if driver is not None:
            driver.quit()
        status = daemon.stop()
    if status != 0:
        raise CheckFailed(f"the daemon did not stop cleanly (status {status}); log:\n{daemon.tail()}")
    print(f"check-webui: ok in {time.time() - started:.1f} s (login, batch, {COUNT} stamps to 100%, scan log, photo verdict, "
          f"pause and resume of {LONG}, reprint, void, preview, sync, English); "
          f"screenshots in {args.screenshots}")
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except CheckFailed as e:
        print(f"check-webui: FAILED: {e}", file=sys.stderr)
        sys.exit(1)
