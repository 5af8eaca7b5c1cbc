"""The pages as files: served with strict security headers, no inline script, no HTML built from
strings, every text in both languages. No browser needed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api import create_app
from service.config import Settings
from service.web.routes import STATIC

JS = sorted((STATIC / "js").glob("*.js"))
HTML = sorted(STATIC.glob("*.html"))


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(Settings(storage={"data_dir": tmp_path / "data"}), start_worker=False)
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    "path", ["/web/", "/web/review", "/web/static/style.css", "/web/static/js/review.js"]
)
def test_pages_are_served_with_strict_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "media-src 'self' blob:" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_content_types_and_no_way_out_of_the_static_folder(client: TestClient) -> None:
    assert client.get("/web/").headers["content-type"] == "text/html; charset=utf-8"
    assert client.get("/web/static/js/api.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/", follow_redirects=False).headers["location"] == "/web/"
    for path in [
        "/web/static/../routes.py",
        "/web/static/%2e%2e/routes.py",
        "/web/static/%2e%2e/%2e%2e/api/app.py",
        "/web/static/nothing.js",
        "/web/static/%00",
        "/web/static/js/api.js%00.css",
        "/web/static/" + "a" * 300 + ".js",  # longer than a file name may be
        "/web/static/js/" + "a/" * 3000,  # longer than a path may be
        "/web/static/js",
        "/web/other",
    ]:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "import" not in response.text


def test_the_pages_need_no_token_but_the_api_does(client: TestClient) -> None:
    assert client.get("/web/review").status_code == 200
    assert client.get("/api/v1/jobs").status_code == 401


@pytest.mark.parametrize("page", HTML, ids=lambda p: p.name)
def test_no_inline_script_style_or_handler(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts and all('src="/web/static/' in attrs and not body for attrs, body in scripts)
    assert not re.search(r"\son[a-z]+\s*=", html)
    assert "<style" not in html and " style=" not in html
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere


@pytest.mark.parametrize("script", JS, ids=lambda p: p.name)
def test_scripts_build_no_html_from_strings(script: Path) -> None:
    code = script.read_text(encoding="utf-8")
    for risky in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert risky not in code, risky
    assert "new Function" not in code
    assert len(code.splitlines()) < 500


def test_every_text_is_in_both_languages() -> None:
    code = (STATIC / "js" / "i18n.js").read_text(encoding="utf-8")
    nb, en = code.split("\n  en: {\n")
    keys_nb = set(re.findall(r'^\s+"([\w.]+)":', nb, flags=re.M))
    keys_en = set(re.findall(r'^\s+"([\w.]+)":', en, flags=re.M))
    assert keys_nb == keys_en
    used = set()
    for path in [*JS, *HTML]:
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r'\bt\("([\w.]+)"', text))
        used |= set(re.findall(r'data-i18n(?:-label|-placeholder)?="([\w.]+)"', text))
    assert used - keys_nb == set()
