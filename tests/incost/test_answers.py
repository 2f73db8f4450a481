"""Reading answers in the shapes AppsFlyer's article shows that the sandbox does not send by default."""

import datetime as dt
from decimal import Decimal

import pytest

from incost_portal.incost import answers
from incost_portal.incost.answers import InCostError


def test_the_articles_job_status_example_is_read() -> None:
    status = answers.job_status(
        {
            "date_from": "2020-02-21",
            "date_to": "2020-02-28",
            "matched_records_percentage": 85,
            "app_id": "id123456789",
            "status": "Applied",
            "Uploaded request url": "https://domain/file.json",
        }
    )
    assert status.is_applied and status.matched_records_percentage == Decimal(85)
    assert (status.date_from, status.date_to) == (dt.date(2020, 2, 21), dt.date(2020, 2, 28))
    assert status.uploaded_request_url == "https://domain/file.json"


def test_a_failed_job_with_an_error_list_is_read() -> None:
    status = answers.job_status(
        {
            "id": "id123456789",
            "status": "Failed",
            "error": [
                {
                    "af_error_code": "IC211",
                    "error_message": "Incorrect date format. Use the format yyyy-mm-dd.",
                }
            ],
        }
    )
    assert status.is_terminal and not status.is_applied
    assert (status.error_code, status.app_id) == ("ic211", "id123456789")


def test_a_bare_status_string_is_read() -> None:
    assert answers.job_status("In progress").status == "In progress"


@pytest.mark.parametrize(
    ("body", "status", "code", "retryable", "wait"),
    [
        ("Exceeded API-rate limit. Wait one minute and try again.", 429, "ic111", True, 60),
        ("There is a server issue. Try again in 10 minutes.", 500, "ic300", True, 600),
        ("media_source foo_int was not found. Verify and resubmit.", 415, "ic213", False, None),
        ({"errors": [{"code": "ic226", "title": "Incorrect count value."}]}, 400, "ic226", False, None),
        ({"message": "Unauthorized"}, 401, "unauthorized", False, None),
        ("<html>Bad gateway</html>", 502, "http_502", True, None),
        ("", 429, "ic111", True, 60),
    ],
)
def test_error_bodies_of_every_shape_become_one_error(
    body: object, status: int, code: str, retryable: bool, wait: int | None
) -> None:
    error = answers.error_from_body(body, http_status=status)
    assert (error.code, error.http_status, error.retryable, error.retry_after_seconds) == (
        code,
        status,
        retryable,
        wait,
    )
    assert error.message


def test_a_retry_after_header_can_only_lengthen_the_wait() -> None:
    assert answers.error_from_body("", http_status=429, retry_after_header="90").retry_after_seconds == 90
    assert answers.error_from_body("", http_status=429, retry_after_header="5").retry_after_seconds == 60
    assert answers.error_from_body("", http_status=503, retry_after_header="30").retry_after_seconds == 30


def test_a_200_without_a_job_id_is_not_an_acceptance() -> None:
    with pytest.raises(InCostError) as caught:
        answers.upload_accepted(
            {"error": {"af_error_code": "ic416", "error_message": "Incorrect JSON format."}}
        )
    assert caught.value.code == "ic416"
    with pytest.raises(InCostError) as caught:
        answers.upload_accepted({})
    assert (caught.value.code, caught.value.retryable) == ("bad_answer", True)
    assert answers.upload_accepted("  a1b2  ").job_id == "a1b2"


def test_an_app_list_page_without_next_is_the_last() -> None:
    page = answers.app_list_page(
        {
            "data": [{"id": "com.a", "type": "app", "attributes": {"name": "A", "platform": "android"}}],
            "meta": {"total_items": 1},
            "links": {"self": "x"},
        }
    )
    assert not page.has_next and page.total_items == 1 and page.apps[0].app_id == "com.a"
