"""The demo's loopback server: placeholder substitution, conditional GET, 404s, no escape from its folder."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from onrecord.demo.server import DemoServer


@pytest.fixture
def site(tmp_path):
    (tmp_path / "feed.xml").write_text("<rss><channel><link>{{BASE}}/a.html</link></channel></rss>", encoding="utf-8")
    (tmp_path / "a.html").write_text("<html><body>Приветствие</body></html>", encoding="utf-8")
    (tmp_path.parent / "secret.txt").write_text("secret", encoding="utf-8")
    return tmp_path


def get(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_serves_files_with_base_url_substituted(site):
    with DemoServer(site) as server:
        status, headers, body = get(server.base_url + "/feed.xml")
    assert status == 200
    assert f"{server.base_url}/a.html".encode() in body
    assert b"{{BASE}}" not in body
    assert headers["Content-Type"] == "application/xml; charset=utf-8"


def test_etag_gives_304_until_the_file_changes(site):
    with DemoServer(site) as server:
        _, headers, _ = get(server.base_url + "/a.html")
        status, _, body = get(server.base_url + "/a.html", {"If-None-Match": headers["ETag"]})
        assert (status, body) == (304, b"")
        (site / "a.html").write_text("<html><body>changed</body></html>", encoding="utf-8")
        status, _, body = get(server.base_url + "/a.html", {"If-None-Match": headers["ETag"]})
        assert status == 200 and b"changed" in body


def test_missing_files_and_escapes_are_404(site):
    with DemoServer(site) as server:
        assert get(server.base_url + "/removed.html")[0] == 404
        assert get(server.base_url + "/../secret.txt")[0] == 404
        assert get(server.base_url + "/%2e%2e/secret.txt")[0] == 404
