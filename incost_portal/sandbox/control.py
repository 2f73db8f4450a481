"""Sandbox-only endpoints under /sandbox/, so that tests and dry runs can drive it over HTTP.

GET  /sandbox/health                      {"ok": true}
GET  /sandbox/config                      the settings and faults in force
POST /sandbox/config                      {"name": value, ..., "reset": false} changes them
GET  /sandbox/partners                    partners, media sources, apps (never tokens)
POST /sandbox/partners                    {"name", "media_sources": [...], "apps": [...]} -> token
POST /sandbox/apps                        {"partner", "app_id", "name", "platform", "time_zone",
                                           "currency", "enabled"} enables or disables an app
POST /sandbox/clicks                      {"app_id", "media_source", "campaign_id", "adset_id",
                                           "ad_id", "count"} records attribution clicks
GET  /sandbox/ledger?partner=N[&app_id=]  the spend applied, per row and per group
GET  /sandbox/jobs?partner=N              the partner's jobs
GET  /sandbox/jobs/{job_id}/body          an upload's body (the job's uploaded_request_url)
GET  /sandbox/calls?partner=N             every API call of the partner, with its time
GET  /sandbox/demo-report.csv?from=&to=    a network's own cost report (the demo source pulls it)
"""

import json
import re
import sqlite3
from typing import Any

from incost_portal.sandbox import selectors, services
from incost_portal.sandbox.api import Answer, Request
from incost_portal.sandbox.config import config_get, config_set
from incost_portal.sandbox.demo_report import demo_report_csv

JOB_BODY_PATH = re.compile(r"^/sandbox/jobs/(?P<job_id>[^/]+)/body$")


def _json(request: Request) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        raise ValueError("The body is not JSON.") from None
    if not isinstance(data, dict):
        raise ValueError("The body must be a JSON object.")
    return data


def _partner(conn: sqlite3.Connection, request: Request) -> sqlite3.Row:
    partner = selectors.partner_by_name(conn, name=request.query.get("partner", ""))
    if partner is None:
        raise LookupError("No such partner: pass ?partner=<name>.")
    return partner


def control_answer(conn: sqlite3.Connection, request: Request) -> Answer | None:
    """The answer to a sandbox-only call, or None when the path is not one of them."""
    if not request.path.startswith("/sandbox/"):
        return None
    try:
        return _route(conn, request)
    except ValueError as error:
        return Answer(400, {"error": str(error)})
    except LookupError as error:
        return Answer(404, {"error": str(error.args[0])})


def _route(conn: sqlite3.Connection, request: Request) -> Answer:
    path, method = request.path, request.method
    config = config_get(conn)
    if path == "/sandbox/health":
        return Answer(200, {"ok": True})
    if path == "/sandbox/config" and method == "GET":
        return Answer(200, config.__dict__)
    if path == "/sandbox/config" and method == "POST":
        changes = _json(request)
        reset = bool(changes.pop("reset", False))
        return Answer(200, config_set(conn, changes=changes, reset=reset).__dict__)
    if path == "/sandbox/partners" and method == "GET":
        return Answer(200, {"partners": selectors.partner_list(conn)})
    if path == "/sandbox/partners" and method == "POST":
        data = _json(request)
        partner = services.partner_create(
            conn,
            name=str(data.get("name", "")),
            media_sources=[str(name) for name in data.get("media_sources", [])],
            app_ids=[str(app_id) for app_id in data.get("apps", [])],
        )
        return Answer(201, {"name": partner.name, "token": partner.token})
    if path == "/sandbox/apps" and method == "POST":
        data = _json(request)
        fields = {
            name: str(data[name]) for name in ("name", "platform", "time_zone", "currency") if name in data
        }
        services.app_enable(
            conn,
            partner_name=str(data.get("partner", "")),
            app_id=str(data.get("app_id", "")),
            enabled=bool(data.get("enabled", True)),
            **fields,
        )
        return Answer(200, {"ok": True})
    if path == "/sandbox/clicks" and method == "POST":
        data = _json(request)
        services.click_add(
            conn,
            app_id=str(data["app_id"]),
            media_source=str(data["media_source"]),
            campaign_id=str(data["campaign_id"]),
            adset_id=str(data.get("adset_id", "")),
            ad_id=str(data.get("ad_id", "")),
            count=int(data.get("count", 1)),
        )
        return Answer(200, {"ok": True})
    if path == "/sandbox/ledger" and method == "GET":
        partner = _partner(conn, request)
        services.jobs_settle(conn, config=config)
        app_id = request.query.get("app_id", "")
        return Answer(200, selectors.ledger_list(conn, partner_id=partner["id"], app_id=app_id))
    if path == "/sandbox/jobs" and method == "GET":
        partner = _partner(conn, request)
        services.jobs_settle(conn, config=config)
        return Answer(200, {"jobs": selectors.job_list(conn, partner_id=partner["id"])})
    if path == "/sandbox/calls" and method == "GET":
        return Answer(200, {"calls": selectors.calls_list(conn, partner_id=_partner(conn, request)["id"])})
    if path == "/sandbox/demo-report.csv" and method == "GET":
        report = demo_report_csv(
            date_from=request.query.get("from", ""),
            date_to=request.query.get("to", ""),
            media_source=request.query.get("media_source", "demo_int"),
        )
        return Answer(200, report, headers={"Content-Type": "text/csv; charset=utf-8"})
    body_match = JOB_BODY_PATH.match(path)
    if body_match and method == "GET":
        job = selectors.job_get(conn, job_id=body_match["job_id"])
        if job is None or not job["body"]:
            raise LookupError("No such job, or its body is no longer kept (only the latest 1,000 are).")
        return Answer(200, job["body"].encode("utf-8"))
    return Answer(404, {"error": f"No sandbox endpoint {method} {path}."})
