"""A network's own cost report, as its reporting system would serve it, for `make run`'s demo source:
GET /sandbox/demo-report.csv?from=YYYY-MM-DD&to=YYYY-MM-DD[&media_source=demo_int]

CSV with the report's own column names (Day, App, Network, Campaign ID, Campaign, Country, Currency,
Cost), so the demo source shows a column mapping at work. The numbers depend only on the date and
campaign: the same range always answers the same rows, as a real report of settled days does."""

import csv
import datetime
import io

# The AppsFlyer test apps every sandbox partner has.
APPS = ("id888123456", "com.cost.app")
HEADERS = ("Day", "App", "Network", "Campaign ID", "Campaign", "Country", "Currency", "Cost")
MAX_DAYS = 92


def demo_report_csv(*, date_from: str, date_to: str, media_source: str = "demo_int") -> bytes:
    """The report's rows for each day of the range; ValueError for a range it cannot serve."""
    try:
        first, last = datetime.date.fromisoformat(date_from), datetime.date.fromisoformat(date_to)
    except ValueError:
        raise ValueError("Pass ?from=YYYY-MM-DD&to=YYYY-MM-DD.") from None
    if last < first or (last - first).days >= MAX_DAYS:
        raise ValueError(f"The range must run forwards and cover at most {MAX_DAYS} days.")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADERS)
    day = first
    while day <= last:
        for app in APPS:
            for n in range(2):
                cost = 15 + 5 * n + (day.toordinal() % 7) * 1.25
                writer.writerow(
                    [day.isoformat(), app, media_source, f"rep{n}", f"report_campaign_{n}", "US", "USD",
                     f"{cost:.2f}"]
                )  # fmt: skip
        day += datetime.timedelta(days=1)
    return out.getvalue().encode()
