"""`python -m tests.bench.page_queries NETWORK USERNAME`: the SQL queries each page costs, counted in
the bench database of DATABASE_URL with Django's test client (one request after a first one, as a
signed-in user who has seen the network), printed as one JSON object: {page: count}."""

import json
import os
import sys
from collections.abc import Callable
from typing import Any


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.bench.page_settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    network, username = sys.argv[1], sys.argv[2]
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(get_user_model().objects.get(username=username))
    jobs = f"/n/{network}/jobs/"
    pages = {
        "trivial": ("/bench/trivial/", {}),
        "dashboard": (f"/n/{network}/", {}),
        "costs": (f"/n/{network}/costs/", {}),
        "jobs": (jobs, {}),
        "jobs poll, unchanged (304)": (jobs, {"HX-Request": "true"}),
    }
    seen: list[str] = []

    def count(execute: Callable[..., Any], sql: str, *args: Any) -> Any:
        seen.append(sql)
        return execute(sql, *args)

    counts: dict[str, int] = {}
    for name, (path, headers) in pages.items():
        first = client.get(path, headers=headers)
        if name.endswith("(304)"):
            headers = {**headers, "If-None-Match": first["ETag"]}
        seen.clear()
        with connection.execute_wrapper(count):
            answer = client.get(path, headers=headers)
        expected = 304 if name.endswith("(304)") else 200
        if answer.status_code != expected:
            raise SystemExit(f"{path}: {answer.status_code}, not {expected}")
        counts[name] = len(seen)
    sys.stdout.write(json.dumps(counts) + "\n")


if __name__ == "__main__":
    main()
