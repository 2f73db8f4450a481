"""InCost's error codes and messages, as the spec lists them, and what each means for a retry.

The client reads answers with this table; the sandbox keeps its own copy (sandbox/codes.py).
"""

MESSAGES: dict[str, str] = {
    "ic111": "Exceeded API-rate limit. Wait one minute and try again.",
    "ic211": "Incorrect date format. Use the format yyyy-mm-dd.",
    "ic212": "XXX is in the future. Future dates are not allowed.",
    "ic213": "media_source XXX was not found. Verify and resubmit.",
    "ic215": "app_id was not found. Verify and resubmit.",
    "ic217": "Insufficient cost amount. Spend amount must be greater than 0.",
    "ic219": "Geo (country) code was not found. Use an ISO 3166 2-letter code.",
    "ic220": "Currency code was not found. Use an ISO 4217 2-letter code.",
    "ic221": "Request had 2 or more currencies. Send 1 currency per app per request.",
    "ic222": "Request had 1 or more duplicate records. Remove file duplication/s.",
    "ic224": "Job ID was not found. Verify and resubmit.",
    "ic225": "Status was not found. Verify and resubmit.",
    "ic226": "Incorrect count value. Use a number between 1-1000.",
    "ic227": "Incorrect cursor. Use the cursor from the last response.",
    "ic228": "Request had 2 or more app IDs; the maximum is 1 per request. Split the request and resubmit.",
    "ic229": "Request and URL app IDs don't match. Verify the app IDs match and resubmit.",
    "ic231": (
        "Request included data of varying granularity; the data must be uniform. "
        "If varying granularity is required, split the request and resubmit."
    ),
    "ic232": (
        "Some request data was outside the allowed time range; the data must be from the last 90 days. "
        "Verify the data and resubmit."
    ),
    "ic241": "Incorrect click values. Use positive numbers only. Verify and resubmit.",
    "ic242": "Incorrect impression values. Use positive numbers only. Verify and resubmit.",
    "ic243": "Incorrect time zone code. Use a valid AppsFlyer code.",
    "ic248": "Request contain invalid field names, or missing mandatory fields.",
    "ic300": "There is a server issue. Try again in 10 minutes.",
    "ic311": "File exceeds the size limit. Split the file into multiple requests.",
    "ic414": (
        "Partner account lacks permissions. Partner account must be enabled to upload cost for this app."
    ),
    "ic415": "App and job IDs don't match. Verify and try again.",
    "ic416": "Incorrect JSON format. Verify and resubmit.",
}

# Codes after which the same request can succeed later, with the wait the spec asks for.
RETRY_AFTER_SECONDS: dict[str, int] = {"ic111": 60, "ic300": 600}
PROCESSING_ERROR_RETRY_SECONDS = 900

# Job status values.
IN_PROGRESS = "In progress"
APPLIED = "Applied"
VALIDATION_ERROR = "Validation error"
PROCESSING_ERROR = "Error processing data"
FAILED = "Failed"
TERMINAL_STATUSES = frozenset({APPLIED, VALIDATION_ERROR, PROCESSING_ERROR, FAILED})


def code_for_message(text: str) -> str | None:
    """The code whose spec message this text is (bare-string answers carry no code)."""
    cleaned = text.strip().rstrip(".").lower()
    for code, message in MESSAGES.items():
        if "XXX" in message:
            head, _, tail = message.rstrip(".").lower().partition("xxx")
            if cleaned.startswith(head) and cleaned.endswith(tail):
                return code
        elif cleaned == message.rstrip(".").lower():
            return code
    return None
