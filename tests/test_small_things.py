"""Small things a user notices: the icon, plurals, dates and details in words, a picture sent as CSV."""

import io

from django.test import Client

from incost_portal.audit.models import Action, AuditEvent
from incost_portal.costs.services import cost_upload_create
from tests.cast import Cast


def test_the_favicon_is_served(client: Client) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 301 and answer["Location"].endswith(".svg")
    icon = client.get(answer["Location"])
    assert icon.status_code == 200 and b"<svg" in b"".join(icon.streaming_content)


def test_audit_details_read_as_words(cast: Cast) -> None:
    event = AuditEvent(
        network=cast.network,
        action=Action.BACKFILL_REQUESTED,
        detail={"days": None, "force": False, "send_times": ["00:00", "12:00"], "requests": 3},
    )
    assert event.detail_shown == "force: no · send times: 00:00, 12:00 · requests: 3"


def test_a_picture_uploaded_as_csv_is_named_for_what_it_is(cast: Cast) -> None:
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    upload = cost_upload_create(network=cast.network, user=cast.ops, file=io.BytesIO(png), name="cost.csv")
    messages = list(upload.issues.values_list("code", "message"))
    assert messages == [
        ("ic416", "This is not a CSV file: it looks like a PNG image. Upload CSV, JSON or XLSX.")
    ]
