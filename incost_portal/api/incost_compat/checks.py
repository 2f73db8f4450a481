"""How an InCost-compatible upload is judged: the portal's own validation (the upload page's), read
as AppsFlyer answers.

AppsFlyer refuses some bodies at once (ic416: not a JSON array of objects; ic213: a media source
not registered for the network) and reports the rest as the job's "Validation error", the first
problem deciding the code. The portal's own codes (pv1xx) are told with the code AppsFlyer gives for
the same problem."""

from collections.abc import Iterable
from dataclasses import dataclass

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
