"""Every response of the portal carries the strict Content-Security-Policy (django-csp)."""

import pytest
from django.test import Client

from tests.cast import Cast
from tests.hardening.pages import TOP_PAGES, network_pages, own_objects

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
}


def directives(header: str) -> set[str]:
    return {part.strip() for part in header.split(";") if part.strip()}


def test_every_page_carries_the_strict_policy(client: Client, cast: Cast) -> None:
    client.force_login(cast.admin)
    pages = (
        network_pages(cast.network, own_objects(cast.network))
        + TOP_PAGES
        + ["/admin/", "/admin/networks/network/"]
    )
    report = f"/n/{cast.network.code}/onboarding/report.html"
    checked = 0
    for url in pages:
        if url == report:
            continue
        response = client.get(url)
        header = response.headers.get("Content-Security-Policy", "")
        assert directives(header) >= STRICT, (url, response.status_code, header)
        assert "unsafe" not in header, (url, header)
        checked += 1
    assert checked > 30


def test_pages_of_a_visitor_and_a_post_answer_carry_it_too(client: Client, cast: Cast) -> None:
    # Signed out: the login redirect and the login page; signed in: a form's redirect.
    assert "script-src 'self'" in client.get(f"/n/{cast.network.code}/").headers["Content-Security-Policy"]
    client.force_login(cast.ops)
    response = client.post(f"/n/{cast.network.code}/jobs/send/")
    assert response.status_code == 302
    assert directives(response.headers["Content-Security-Policy"]) >= STRICT


def test_the_downloaded_onboarding_report_has_a_policy_without_scripts(client: Client, cast: Cast) -> None:
    """Its styles are inline (a self-contained file): allowed, and nothing else at all."""
    client.force_login(cast.reviewer)
    response = client.get(f"/n/{cast.network.code}/onboarding/report.html")
    assert response.status_code == 200 and "<style>" in response.text
    policy = directives(response.headers["Content-Security-Policy"])
    assert {"default-src 'none'", "style-src 'unsafe-inline'", "frame-ancestors 'none'"} <= policy
    assert not any(part.startswith("script-src") for part in policy)


def test_the_rq_dashboard_alone_allows_its_inline_scripts(client: Client, cast: Cast) -> None:
    cast.admin.is_staff = cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    header = client.get("/admin/rq/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in header and "frame-ancestors 'none'" in header


def test_no_template_has_inline_scripts_handlers_or_styles() -> None:
    """What the policy refuses never comes back: no <script> without src, no on*= handler,
    no style= attribute, no <style> (but in the downloaded report)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=|\sstyle=|<style", re.IGNORECASE)
    found = [
        f"{path.relative_to(root)}: {match.group(0)}"
        for path in root.rglob("*.html")
        if path.name != "report.html"
        for match in inline.finditer(path.read_text())
    ]
    assert found == []
