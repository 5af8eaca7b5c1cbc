"""The review page's changes in a real browser: a segment's text edited (markup in it is shown
as text, never run), a redaction added from selected words, one accepted; and the job list
still follows jobs by polling where the service has no event stream."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from web_helpers import Served

API = "/api/v1/jobs"
XSS = "<img src=x onerror=\"document.title='pwned'\">"


def until(page: Any, expression: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"never true: {expression}")
        time.sleep(0.05)


def job_in_review(
    page: Any, served: Served, token: str, recording: Path, project: str | None = None
) -> str:
    """A job uploaded over the API (as another tool would), waited for until in review."""
    served.gate.release.set()
    auth = {"Authorization": f"Bearer {token}"}
    created = page.request.post(
        f"{served.url}{API}",
        headers=auth,
        multipart={
            "file": {
                "name": recording.name,
                "mimeType": "audio/wav",
                "buffer": recording.read_bytes(),
            },
            **({"project": project} if project else {}),
        },
    )
    assert created.status == 202, created.text()
    job_id: str = created.json()["id"]
    deadline = time.monotonic() + 15
    while page.request.get(f"{served.url}{API}/{job_id}", headers=auth).json()["status"] != (
        "ready_for_review"
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return job_id


def open_review(page: Any, served: Served, token: str, job_id: str) -> None:
    page.goto(f"{served.url}/web/")
    page.evaluate(f"sessionStorage.setItem('intervju.token', {token!r})")
    page.goto(f"{served.url}/web/review?job={job_id}")
    page.wait_for_selector("#transcript .w")


def select_word(page: Any, text: str) -> None:
    """Selects the word ``text`` in the bokmål column, as a mouse drag over it would."""
    page.evaluate(
        """(text) => {
          const node = [...document.querySelectorAll('#transcript p.text .w')]
            .find((w) => w.textContent.startsWith(text));
          const range = document.createRange();
          range.selectNodeContents(node);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }""",
        text,
    )


def test_edit_text_with_markup_shown_as_text_add_and_accept_redactions(
    page: Any, served: Served, recording: Path, artifacts: Path
) -> None:
    token = served.token("web")
    job_id = job_in_review(page, served, token, recording)
    open_review(page, served, token, job_id)

    # edit the question; the markup in it stays text
    page.locator("article[data-segment='0'] button.edit").click()
    page.fill("article[data-segment='0'] textarea", f"Kan du {XSS} fortelle om jobben din?")
    page.locator("article[data-segment='0'] button[type='submit']").click()
    until(page, "document.querySelector('#versions').children.length === 2")
    question = page.locator("article[data-segment='0'] p.text")
    assert XSS in question.inner_text()
    assert page.locator("#transcript img, #transcript [onerror]").count() == 0
    assert page.title() != "pwned"
    review = page.request.get(
        f"{served.url}{API}/{job_id}/review", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert XSS in review["transcript"]["segments"][0]["text"]

    # redact a word the anonymiser missed: select it, say what it is
    select_word(page, "rusomsorgen")
    page.click("#redact-selection")
    page.locator("#redact-dialog").wait_for()
    assert page.inner_text("#redact-selected") == "«rusomsorgen»"  # without the full stop
    page.select_option("#redact-label", "ORGANIZATION")
    page.screenshot(path=str(artifacts / "11-anonymiser-markert.png"))
    page.locator("#redact-form button[type='submit']").click()
    until(page, "document.querySelectorAll('#redaction-list li').length === 3")
    assert "rusomsorgen" not in page.inner_text("#transcript")
    added = page.locator("#redaction-list li", has_text="lagt til for hånd")
    assert added.count() == 1
    # accept the name
    page.locator("#redaction-list li[data-redaction='0'] button", has_text="Godkjenn").click()
    page.wait_for_selector("#transcript mark.redaction.reviewed[data-redaction='0']")
    assert "godkjent" in page.inner_text("#redaction-list li[data-redaction='0']")
    assert page.locator("#versions li").count() == 4
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(artifacts / "12-redigert-og-anonymisert.png"), full_page=True)
    assert page.errors == []


def test_selecting_nothing_explains_what_to_do(page: Any, served: Served, recording: Path) -> None:
    token = served.token("web")
    open_review(page, served, token, job_in_review(page, served, token, recording))
    page.click("#redact-selection")
    assert "Marker først" in page.inner_text("#status-line")
    assert page.locator("#redact-dialog").is_hidden()


def test_without_an_event_stream_the_list_is_polled(
    page: Any, served: Served, recording: Path
) -> None:
    page.route("**/api/v1/events*", lambda route: route.fulfill(status=404, body="{}"))
    token = served.token("web")
    page.goto(f"{served.url}/web/")
    page.fill("#token-input", token)
    page.click("#signin-submit")
    page.wait_for_selector("#jobs-empty:not([hidden])")
    assert page.inner_text("#feed-mode") == "Oppdateres hvert par sekunder"
    job_id = job_in_review(page, served, token, recording)
    page.wait_for_selector(f"#jobs-body tr[data-job='{job_id}'][data-status='ready_for_review']")
    assert page.errors == []


def test_the_event_stream_parser_splits_chunks_into_events(page: Any, served: Served) -> None:
    page.goto(f"{served.url}/web/")
    parsed = page.evaluate(
        """async () => {
          const { parseEvents } = await import('/web/static/js/events.js');
          const first = parseEvents(': keepalive\\n\\nevent: job\\nid: 7\\ndata: {"id":"a",');
          const second = parseEvents(first.rest + '"progress":0.5}\\n\\nevent: job\\r\\nid: 8');
          return { first: first.events, second: second.events, rest: second.rest };
        }"""
    )
    assert parsed["first"] == []
    assert parsed["second"] == [{"event": "job", "id": "7", "data": '{"id":"a","progress":0.5}'}]
    assert parsed["rest"] == "event: job\r\nid: 8"


def test_a_refused_token_sends_the_researcher_back_to_sign_in(
    page: Any, served: Served, recording: Path
) -> None:
    token = served.token("web")
    job_id = job_in_review(page, served, token, recording)
    page.goto(f"{served.url}/web/")
    page.evaluate("sessionStorage.setItem('intervju.token', 'ivj_revoked')")
    page.goto(f"{served.url}/web/review?job={job_id}")
    page.wait_for_url(f"{served.url}/web/")
    error = page.locator("#signin-error")
    error.wait_for()
    assert "logget ut" in error.inner_text()
    assert page.evaluate("sessionStorage.getItem('intervju.token')") is None


def test_a_project_that_keeps_its_recordings_says_so_before_verifying(
    page: Any, served: Served, recording: Path
) -> None:
    token = served.token("web")
    project = page.request.post(
        f"{served.url}/api/v1/projects",
        headers={"Authorization": f"Bearer {token}"},
        data={"name": "Langtidsstudie", "delete_audio_after_verify": False},
    )
    assert project.status == 201, project.text()
    job_id = job_in_review(page, served, token, recording, project.json()["id"])
    open_review(page, served, token, job_id)
    page.wait_for_selector("#verify-card:not([hidden])")
    assert page.inner_text("#verify-button") == "Verifiser transkripsjonen"
    page.click("#verify-button")
    text = page.inner_text("#verify-dialog")
    assert "beholdes til prosjektets sluttdato" in text and "slettet for godt" not in text
    assert page.locator("#verify-consent").is_hidden()
    page.check("#verify-check")
    page.click("#verify-confirm")
    until(page, "document.getElementById('job-meta').textContent.startsWith('Verifisert ')")
    assert page.locator("#receipt-card").is_hidden()  # nothing deleted yet
    until(page, "document.getElementById('audio').duration > 1")  # still there to listen to
    assert page.errors == []
