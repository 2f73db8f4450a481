"""A closed-loop load generator: N logged-in clients, each asking for its next page as soon as the
last one arrived, for a fixed time. Clients are threads spread over a few processes, so that the
GIL of one process does not pace them; each keeps its own connection (keep-alive) and session."""

import concurrent.futures
import multiprocessing
import re
import statistics
import threading
import time
from dataclasses import dataclass

import requests
import urllib3

TIMEOUT = 30.0  # seconds: a request slower than this counts as an error
PROCESSES = 2  # one per core: enough to keep the clients' own CPU from being the limit


@dataclass(frozen=True)
class Sample:
    page: int  # index into the paths asked for
    seconds: float
    status: int  # 0: no answer (connection error or timeout)


@dataclass
class LoadResult:
    samples: list[Sample]
    seconds: float
    expected: int = 200  # the status every answer should have; any other counts as an error

    def of(self, page: int | None = None) -> list[Sample]:
        return [s for s in self.samples if page is None or s.page == page]

    def throughput(self, page: int | None = None) -> float:
        return len(self.of(page)) / self.seconds

    def errors(self, page: int | None = None) -> int:
        return sum(1 for s in self.of(page) if s.status != self.expected)

    def percentile(self, share: float, page: int | None = None) -> float:
        """The latency (ms) under which `share` of the requests finished (nearest rank)."""
        times = sorted(s.seconds for s in self.of(page))
        if not times:
            return float("nan")
        return times[min(len(times) - 1, max(0, round(share * len(times)) - 1))] * 1000

    def median(self, page: int | None = None) -> float:
        return statistics.median(s.seconds for s in self.of(page)) * 1000


def login(base: str, username: str, password: str) -> str:
    """Log in through the login form (django-axes sees a normal login) and return the session id."""
    with requests.Session() as session:
        form = session.get(f"{base}/accounts/login/", timeout=TIMEOUT)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if match is None:
            raise RuntimeError(f"no login form at {base}/accounts/login/ ({form.status_code})")
        answer = session.post(
            f"{base}/accounts/login/",
            data={"username": username, "password": password, "csrfmiddlewaretoken": match.group(1)},
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=TIMEOUT,
            allow_redirects=False,
        )
        sessionid = session.cookies.get("sessionid")
        if answer.status_code != 302 or not sessionid:
            raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:300]}")
        return sessionid


def _client(
    host: str,
    port: int,
    sessionid: str,
    paths: list[str],
    first: int,
    until: float,
    out: list[Sample],
    extra: dict[str, str],
) -> None:
    pool = urllib3.HTTPConnectionPool(host, port, maxsize=1, retries=False, timeout=TIMEOUT)
    headers = {"Cookie": f"sessionid={sessionid}", "Accept": "text/html", **extra}
    turn = first
    while time.monotonic() < until:
        page = turn % len(paths)
        turn += 1
        start = time.perf_counter()
        try:
            response = pool.request("GET", paths[page], headers=headers, redirect=False, preload_content=True)
            status = response.status
        except urllib3.exceptions.HTTPError:
            status = 0
        out.append(Sample(page, time.perf_counter() - start, status))
    pool.close()


def _process(
    host: str,
    port: int,
    sessions: list[tuple[int, str]],
    paths: list[str],
    start: float,
    until: float,
    extra: dict[str, str],
) -> list[Sample]:
    samples: list[Sample] = []
    time.sleep(max(0.0, start - time.monotonic()))
    threads = [
        threading.Thread(target=_client, args=(host, port, sessionid, paths, index, until, samples, extra))
        for index, sessionid in sessions
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


def load(
    *,
    host: str,
    port: int,
    sessions: list[str],
    paths: list[str],
    seconds: float,
    headers: dict[str, str] | None = None,
    expected: int = 200,
) -> LoadResult:
    """Run len(sessions) clients over `paths` (client i starts at path i, then takes them in turn),
    each request with `headers` besides the session cookie; answers other than `expected` are errors."""
    groups: list[list[tuple[int, str]]] = [[] for _ in range(min(PROCESSES, len(sessions)))]
    for index, sessionid in enumerate(sessions):
        groups[index % len(groups)].append((index, sessionid))
    # Fork: the clients need nothing but urllib3, and start at once.
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(len(groups), mp_context=context) as pool:
        # One deadline for all (CLOCK_MONOTONIC is system-wide), a little ahead for the fork.
        start = time.monotonic() + 0.5
        until = start + seconds
        futures = [
            pool.submit(_process, host, port, group, paths, start, until, headers or {}) for group in groups
        ]
        samples = [sample for future in futures for sample in future.result()]
    # Requests still open at the deadline finish after it: count the time they took too.
    return LoadResult(samples, max(seconds, time.monotonic() - start), expected)
