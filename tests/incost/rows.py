"""Cost rows for InCost uploads in tests."""

import datetime as dt
import json
from typing import Any

TEST_IOS_APP = "id888123456"
TEST_ANDROID_APP = "com.cost.app"


def today(days_back: int = 0) -> str:
    return (dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_back)).isoformat()


def row(**fields: Any) -> dict[str, Any]:
    base = {
        "date": today(1),
        "app_id": TEST_IOS_APP,
        "media_source": "acme_int",
        "campaign_id": "c1",
        "campaign_name": "spring_sale",
        "currency": "USD",
        "spend": 12.5,
    }
    base.update(fields)
    return {name: value for name, value in base.items() if value is not None}


def body(*rows: dict[str, Any]) -> bytes:
    return json.dumps(list(rows)).encode()
