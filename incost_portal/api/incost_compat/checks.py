"""How an InCost-compatible upload is judged, as AppsFlyer answers it.

AppsFlyer refuses some bodies at once (ic416: not a JSON array of objects; ic213: a media source
not registered for the network) and reports everything else later, as the job's "Validation error",
the first problem deciding the code. So does the portal: `body_refusal` decides only those at-once
answers, in the time of a JSON parse; the portal's own validation (the upload page's) judges every
row when a worker stores the body, and its first error (`first_refusal`) is the job's. The portal's
own codes (pv1xx) are told with the code AppsFlyer gives for the same problem."""

import json
from collections.abc import Iterable
from dataclasses import dataclass

import orjson

from incost_portal.costs.issues import Issue
from incost_portal.incost.codes import MESSAGES

# Answered at once, with AppsFlyer's status (as the sandbox answers them).
AT_ONCE = {"ic416": 422, "ic213": 415}
# The portal's own codes, as AppsFlyer would name the same problem.
AS_APPSFLYER = {"pv101": "ic248", "pv102": "ic217", "pv103": "ic248"}


@dataclass(frozen=True)
class Refusal:
    code: str  # AppsFlyer's code
    message: str
    http_status: int | None  # set when AppsFlyer answers it at once; None: the job's Validation error


def _rank(issue: Issue) -> tuple[int, int, int]:
    # AppsFlyer parses the body, then checks media sources, then one app per request, then the
    # rows in order; whole-request problems (currencies, granularity) come after the rows.
    order = {"ic416": 0, "ic213": 1, "ic228": 2}.get(issue.code, 3)
    return (order, issue.row is None, issue.row or 0)


class FirstError:
    """An `on_issue` callback that keeps the error that decides AppsFlyer's answer."""

    def __init__(self) -> None:
        self.issue: Issue | None = None

    def __call__(self, issue: Issue) -> None:
        if issue.is_error and (self.issue is None or _rank(issue) < _rank(self.issue)):
            self.issue = issue

    def refusal(self) -> Refusal | None:
        return refusal_of(self.issue) if self.issue else None


def refusal_of(issue: Issue) -> Refusal:
    code = AS_APPSFLYER.get(issue.code, issue.code)
    base = MESSAGES.get(code, "")
    if "XXX" in base or not base:
        base = ""  # the portal's message names the value itself
    where = f"Row {issue.row}" + (f", {issue.field}" if issue.field else "") if issue.row else ""
    detail = f"{where}: {issue.message}" if where else issue.message
    return Refusal(code, f"{base} {detail}".strip(), AT_ONCE.get(code))


def first_refusal(issues: Iterable[Issue]) -> Refusal | None:
    first = FirstError()
    for issue in issues:
        first(issue)
    return first.refusal()


def body_refusal(body: bytes, *, media_sources: frozenset[str]) -> Refusal | None:
    """What AppsFlyer answers at once: ic416 for a body that is not a JSON array of row objects,
    ic213 for a media source not registered for the network (415); None when the body may go on."""
    data = body.removeprefix(b"\xef\xbb\xbf")  # a BOM, as the upload page reads files
    try:
        rows = orjson.loads(data)
    except orjson.JSONDecodeError:
        # NaN, huge integers: the portal's exact reader takes them (and judges their values later).
        try:
            rows = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            where = (
                f" ({error.msg} at line {error.lineno}, column {error.colno})"
                if isinstance(error, json.JSONDecodeError)
                else ""
            )
            return Refusal("ic416", f"{MESSAGES['ic416']} Not valid JSON{where}.", 422)
    if not isinstance(rows, list) or not rows or not all(isinstance(row, dict) for row in rows):
        return Refusal("ic416", f"{MESSAGES['ic416']} The body must be a JSON array of row objects.", 422)
    for number, row in enumerate(rows, start=1):
        source = row.get("media_source")
        if isinstance(source, str) and source and source not in media_sources:
            return Refusal(
                "ic213",
                f"{MESSAGES['ic213'].replace('XXX', source)} Row {number}: register it on Settings → Media "
                "sources if AppsFlyer registered it for your network.",
                415,
            )
    return None
