"""The sandbox's commands, and `seed_demo` making the demo networks sandbox partners."""

import io
import tempfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from incost_portal.networks import token_vault
from incost_portal.networks.models import ApiToken, Network
from incost_portal.networks.selectors import api_token_active
from incost_portal.networks.services import api_token_plaintext
from incost_portal.sandbox import selectors
from incost_portal.sandbox.store import opened


def test_the_partner_command_prints_a_long_token(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite3"
    out = io.StringIO()
    call_command(
        "incost_sandbox_partner",
        "acme",
        "--media-source",
        "acme_int",
        "--app",
        "com.acme.x",
        "--db",
        str(db),
        stdout=out,
        stderr=io.StringIO(),
    )
    token = out.getvalue().strip()
    assert len(token) >= 700 and token.count(".") == 2
    with opened(db) as conn:
        partner = selectors.partner_by_token(conn, token=token)
        assert partner is not None and partner["name"] == "acme"
        assert selectors.media_sources_of(conn, partner_id=partner["id"]) == {"acme_int"}
        apps, total = selectors.partner_apps(conn, partner_id=partner["id"], limit=10, offset=0)
        assert total == 3 and {app["app_id"] for app in apps} == {"com.acme.x", "com.cost.app", "id888123456"}
    with pytest.raises(CommandError):
        call_command(
            "incost_sandbox_partner", "acme", "--db", str(db), stdout=io.StringIO(), stderr=io.StringIO()
        )
    again = io.StringIO()
    call_command(
        "incost_sandbox_partner",
        "acme",
        "--existing-ok",
        "--media-source",
        "acme2_int",
        "--db",
        str(db),
        stdout=again,
        stderr=io.StringIO(),
    )
    assert again.getvalue().strip() == token
    with opened(db) as conn:
        assert selectors.media_sources_of(conn, partner_id=partner["id"]) == {"acme_int", "acme2_int"}


class SeedDemoSandboxTestCase(TestCase):
    def test_the_demo_networks_get_their_sandbox_tokens_once(self) -> None:
        db = Path(self.enterContext(tempfile.TemporaryDirectory())) / "sandbox.sqlite3"
        url = "http://127.0.0.1:8765/api/"
        with override_settings(SANDBOX_DB=db):
            call_command("seed_demo", sandbox_url=url, stdout=io.StringIO())
            first = {
                slug: api_token_active(network=Network.objects.get(slug=slug)) for slug in ("demo", "other")
            }
            call_command("seed_demo", sandbox_url=url, stdout=io.StringIO())
        with opened(db) as conn:
            for slug, source in (("demo", "demo_int"), ("other", "other_int")):
                network = Network.objects.get(slug=slug)
                assert network.incost_base_url == url
                token = api_token_active(network=network)
                assert token is not None and token.pk == first[slug].pk  # not replaced on the second run
                partner = selectors.partner_by_name(conn, name=slug)
                assert token.fingerprint == token_vault.fingerprint(partner["token"])
                assert api_token_plaintext(token=token) == partner["token"]
                assert selectors.media_sources_of(conn, partner_id=partner["id"]) == {source}
        assert ApiToken.objects.count() == 2
