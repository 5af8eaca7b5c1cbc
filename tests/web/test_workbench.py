"""The researcher's whole way through the pages, in a real browser: sign in, upload, follow the
progress, review (listen, rename, reject, look at an original, side-by-side dialect), verify and
get the deletion receipt; then the English pages. Screenshots of each step are saved."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from web_helpers import ORIGINALS, Served

API = "/api/v1/jobs"


def until(page: Any, expression: str, timeout: float = 15.0) -> None:
    """Waits until ``expression`` is true in the page (evaluated over CDP: the pages' CSP
    forbids the string evaluation ``wait_for_function`` uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        time.sleep(0.05)


def shot(page: Any, artifacts: Path, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky player lands mid-page
    page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def sign_in(page: Any, served: Served, token: str) -> None:
    page.goto(f"{served.url}/web/")
    page.fill("#token-input", token)
    page.click("#signin-submit")
    page.wait_for_selector("#workbench:not([hidden])")


def test_sign_in_upload_review_verify_receipt(
    page: Any, served: Served, recording: Path, artifacts: Path, tmp_path: Path
) -> None:
    token = served.token("web")
    page.goto(f"{served.url}/web/")
    assert page.locator("html").get_attribute("lang") == "nb"
    page.wait_for_selector("#signin:not([hidden])")
    shot(page, artifacts, "01-logg-inn")
    sign_in(page, served, token)
    assert page.evaluate("sessionStorage.getItem('intervju.token')") == token
    assert page.evaluate("localStorage.getItem('intervju.token')") is None

    # two recordings with the file picker, two speakers expected; the page follows the jobs
    second = tmp_path / "intervju-S2.wav"
    second.write_bytes(recording.read_bytes())
    page.set_input_files("#file-input", [str(recording), str(second)])
    page.fill("#speakers-input", "2")
    page.click("#upload-start")
    until(page, "document.querySelectorAll('#upload-queue li.done').length === 2")
    bars = page.locator("#upload-queue li.done progress")
    assert [bars.nth(i).evaluate("p => p.value") for i in range(2)] == [1, 1]
    assert served.gate.reached.wait(15)
    row = page.locator("#jobs-body tr[data-status='diarizing']")
    row.wait_for()
    assert row.locator("progress").evaluate("p => p.value") > 0
    assert "Finner hvem som snakker" in row.inner_text()
    assert page.inner_text("#feed-mode") == "Oppdateres fortløpende"  # GET /api/v1/events
    shot(page, artifacts, "02-opplasting-og-fremdrift")
    served.gate.release.set()
    until(
        page,
        "document.querySelectorAll('#jobs-body tr[data-status=ready_for_review]').length === 2",
    )
    ready = page.locator("#jobs-body tr", has_text="intervju-S1.wav")
    job_id = ready.get_attribute("data-job")
    job = page.request.get(
        f"{served.url}{API}/{job_id}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert (job["speakers"], job["filename"]) == (2, "intervju-S1.wav")
    shot(page, artifacts, "03-klar-til-gjennomgang")
    ready.locator("a.button").click()

    # the review page: the recording loads, a click on a word seeks there
    page.wait_for_url(re.compile(r"/web/review\?job="))
    page.wait_for_selector("#transcript .w")
    until(page, "document.getElementById('audio').duration > 1")
    word = page.locator("#transcript p.text .w", has_text="rusomsorgen")
    start = float(word.get_attribute("data-start"))
    word.click()
    until(page, f"Math.abs(document.getElementById('audio').currentTime - {start}) < 0.05")
    page.wait_for_selector("#transcript p.text .w.current:has-text('rusomsorgen')")
    page.locator("#transcript .segment-head .time").first.click()
    until(page, "document.getElementById('audio').currentTime < 0.05")
    # uncertain words, the repetition loop and dialect are shown, with a legend
    assert "low" in (word.get_attribute("class") or "")
    assert page.locator(".segment.flagged .flag-repetition_loop").count() == 1
    assert page.locator("#transcript .w.normalised").count() == 2
    assert page.locator(".legend").is_visible()
    marks = page.locator("#transcript mark.redaction")
    assert marks.all_inner_texts() == ["[navn 1]", "[kommune 1]"]
    shot(page, artifacts, "04-gjennomgang")

    # the space bar plays (when not typing; focus left the clicked time button) and pauses
    page.keyboard.press("Space")
    until(page, "!document.getElementById('audio').paused")
    page.keyboard.press("Space")
    until(page, "document.getElementById('audio').paused")
    page.focus("input[data-speaker='SPEAKER_01']")  # typing: the space is a space
    page.keyboard.press("Space")
    time.sleep(0.3)
    assert page.evaluate("document.getElementById('audio').paused")

    # rename the informant
    page.fill("input[data-speaker='SPEAKER_01']", "Deltaker A")
    page.click("#speakers-form button[type='submit']")
    until(
        page,
        "[...document.querySelectorAll('.speaker-name')].some(n => n.textContent === 'Deltaker A')",
    )
    # an original on demand, only the one asked for
    assert page.locator(".original").count() == 0
    page.locator("#redaction-list li[data-redaction='0'] button[aria-expanded]").click()
    original = page.locator("#redaction-list li[data-redaction='0'] .original")
    original.wait_for()
    assert ORIGINALS[0] in original.inner_text()
    assert ORIGINALS[1] not in page.locator("#redaction-list").inner_text()
    shot(page, artifacts, "05-original-vist")
    # reject the municipality: what was said comes back
    page.locator("#redaction-list li[data-redaction='1'] button", has_text="Avvis").click()
    until(page, "document.getElementById('transcript').textContent.includes('Bodø')")
    assert page.locator("#transcript mark.redaction").all_inner_texts() == ["[navn 1]"]
    assert page.locator("#versions li").count() == 3
    assert "versjon 3" in page.inner_text("#job-meta")

    # dialect beside bokmål
    page.check("#toggle-verbatim")
    said = page.locator("#transcript p.said-text").nth(1)
    assert said.inner_text().startswith("Eg jobbar med")
    shot(page, artifacts, "06-dialekt-ved-siden-av")
    page.uncheck("#toggle-verbatim")

    # verify: a dialog that says the recording will be deleted for good, then the receipt
    page.click("#verify-button")
    dialog = page.locator("#verify-dialog")
    dialog.wait_for()
    text = dialog.inner_text()
    assert "slettet for godt" in text and "samtykkeskjemaet" in text and "Versjon 3" in text
    assert page.locator("#verify-confirm").is_disabled()
    shot(page, artifacts, "07-bekreft-verifisering")
    page.check("#verify-check")
    page.click("#verify-confirm")
    receipt = page.locator("#receipt-card")
    receipt.wait_for()
    assert "Lydopptaket er slettet" in receipt.inner_text()
    assert "transkripsjonen ble verifisert" in receipt.inner_text()
    assert page.locator("#verify-card").is_hidden()
    assert "slettet" in page.inner_text("#audio-note")
    shot(page, artifacts, "08-kvittering")
    with page.expect_download() as download:
        page.click("#receipt-download")
    assert download.value.suggested_filename == f"kvittering-{job_id}.json"
    audio = page.request.get(
        f"{served.url}{API}/{job_id}/audio", headers={"Authorization": f"Bearer {token}"}
    )
    assert audio.status == 409

    # English, remembered across pages
    page.click("#lang-switch")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.inner_text("#transcript-title") == "Transcript"
    assert "The audio recording is deleted" in page.inner_text("#receipt-card")
    page.reload()
    page.wait_for_selector("#receipt-card:not([hidden])")
    assert page.inner_text("#versions-title") == "Versions"
    shot(page, artifacts, "09-engelsk")
    assert page.errors == []


def test_a_wrong_token_is_refused_with_a_plain_message(
    page: Any, served: Served, artifacts: Path
) -> None:
    page.goto(f"{served.url}/web/")
    page.fill("#token-input", "ivj_not-a-real-token")
    page.click("#signin-submit")
    error = page.locator("#signin-error")
    error.wait_for()
    assert "ble ikke godtatt" in error.inner_text()
    assert page.locator("#workbench").is_hidden()
    assert page.evaluate("sessionStorage.getItem('intervju.token')") is None
    shot(page, artifacts, "10-feil-nokkel")
    assert page.errors == []
