"""Bad input: every malformed file of the corpus (tests/hardening/corpus.py), through the upload page
(the real view, as ad ops) and through `manage.py validate_cost`, is answered with a clear message
(a form error, or issues with their codes on the preview; exit status 1 or 2 with text), never a
500 or a traceback. And forms too large to read, files over the limit."""

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings

from incost_portal.costs.models import CostUpload
from tests.cast import Cast
from tests.hardening.corpus import CORPUS, Bad

pytestmark = pytest.mark.django_db

CODE = re.compile(r"\b(?:ic|pv|pw)\d{3}\b")
IDS = [bad.label for bad in CORPUS]


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def test_the_corpus_is_large() -> None:
    assert len(CORPUS) >= 100


@pytest.mark.parametrize("bad", CORPUS, ids=IDS)
def test_every_bad_file_is_answered_clearly_by_the_page_and_the_command(
    cast: Cast, bad: Bad, tmp_path: Path
) -> None:
    # One test for both ways in: the cast is built once per file.
    upload_page_answers_clearly(cast, bad)
    validate_cost_answers_clearly(cast, bad, tmp_path)


def upload_page_answers_clearly(cast: Cast, bad: Bad) -> None:
    # DEBUG off and exceptions turned into pages, as in production: a 500 is a failure, not a raise.
    client = Client(raise_request_exception=False)
    client.force_login(cast.ops)
    url = f"/n/{cast.network.code}/costs/upload/"
    response = client.post(url, {"file": SimpleUploadedFile(bad.name, bad.data)})
    assert response.status_code in (200, 302), (response.status_code, response.content[:300])
    if response.status_code == 200:
        # Not accepted at all: the form again, with an error that says why.
        assert 'role="alert"' in response.text, response.text[-1500:]
        return
    upload = CostUpload.objects.get(network=cast.network)
    preview = client.get(response["Location"])
    assert preview.status_code == 200, preview.content[:300]
    if bad.blocks:
        assert upload.issue_counts, "a malformed file without a single issue"
        assert upload.status == CostUpload.Status.INVALID and upload.error_count > 0
    shown = set(CODE.findall(preview.text))
    assert set(upload.issue_counts) <= shown, (upload.issue_counts, shown)
    annotated = client.get(f"{response['Location']}issues.csv")
    assert annotated.status_code == 200
    text = b"".join(annotated.streaming_content).decode("utf-8")
    # Formula safety: no exported cell may start what a spreadsheet would run.
    assert not re.search(r'(^|,)"?[=+\-@]', text.split("\n", 1)[1] if "\n" in text else ""), text[:300]


def run_validate_cost(*args: str) -> tuple[int, str]:
    # Strict UTF-8 streams, as a terminal's: text that cannot be printed fails here as it would there.
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    err = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict")
    message = ""
    try:
        call_command("validate_cost", *args, stdout=out, stderr=err)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    except CommandError as exc:
        status, message = exc.returncode, str(exc)
    texts = []
    for stream in (out, err):
        stream.flush()
        texts.append(stream.buffer.getvalue().decode())  # type: ignore[attr-defined]
    return status, "".join(texts) + message


def validate_cost_answers_clearly(cast: Cast, bad: Bad, tmp_path: Path) -> None:
    path = tmp_path / bad.name
    path.write_bytes(bad.data)
    status, output = run_validate_cost(str(path), "--network", cast.network.slug)
    assert status in ((1, 2) if bad.blocks else (0, 1)), (status, output[:500])
    assert CODE.search(output) or not bad.blocks, output[:500]
    assert "Traceback" not in output
    # The last line says what the verdict is, in words.
    assert "rows" in output.strip().splitlines()[-1]


def test_a_file_over_the_upload_limit_is_a_form_error(client: Client, cast: Cast) -> None:
    client.force_login(cast.ops)
    with override_settings(COST_UPLOAD_MAX_BYTES=2048):
        response = client.post(
            f"/n/{cast.network.code}/costs/upload/", {"file": SimpleUploadedFile("big.csv", b"x" * 4096)}
        )
    assert response.status_code == 200
    assert "The file is 4,096 bytes; the largest accepted is 2,048." in response.text
    assert not CostUpload.objects.exists()


def test_pasted_json_over_the_form_limit_goes_back_to_the_page_with_a_message(
    client: Client, cast: Cast
) -> None:
    """Django would answer a bare 400 (RequestDataTooBig): the user stays on the upload page."""
    client.force_login(cast.ops)
    url = f"/n/{cast.network.code}/costs/upload/"
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000):
        response = client.post(
            url, {"body": "[" + "1," * 10_000 + "1]"}, HTTP_REFERER=f"http://testserver{url}"
        )
        assert response.status_code == 303 and response["Location"] == f"http://testserver{url}"
        page = client.get(url)
    assert page.status_code == 200
    assert "larger than the 9.8\xa0KB a form can carry" in page.text
    assert "Pasted JSON must stay under that" in page.text and "upload the file instead" in page.text
    assert not CostUpload.objects.exists()


def test_a_form_too_large_without_a_referer_goes_back_to_its_own_address(client: Client, cast: Cast) -> None:
    client.force_login(cast.ops)
    url = f"/n/{cast.network.code}/costs/upload/"
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = client.post(url, {"body": "x" * 5000}, HTTP_REFERER="https://elsewhere.example/")
    assert response.status_code == 303 and response["Location"] == url
