"""The InCost row fields: their names, which are mandatory, their lengths, and the headers files use."""

# Canonical order: the order rows are rendered, stored and shown in.
INCOST_FIELDS: tuple[str, ...] = (
    "date",
    "app_id",
    "media_source",
    "af_prt",
    "campaign_id",
    "campaign_name",
    "adset_id",
    "adset_name",
    "ad_id",
    "ad_name",
    "site_id",
    "geo",
    "channel",
    "keywords",
    "currency",
    "spend",
    "clicks",
    "impressions",
)
# Not an InCost field: an input column that makes rows hourly (summed into the app's local dates).
HOUR = "hour"
INPUT_FIELDS: tuple[str, ...] = (*INCOST_FIELDS, HOUR)
FIELD_ORDER: dict[str, int] = {name: index for index, name in enumerate(INPUT_FIELDS)}

REQUIRED: frozenset[str] = frozenset(
    {"date", "app_id", "media_source", "campaign_id", "campaign_name", "currency", "spend"}
)
# The optional fields: which of them a row carries is its granularity.
OPTIONAL: tuple[str, ...] = tuple(name for name in INCOST_FIELDS if name not in REQUIRED)
NUMERIC: frozenset[str] = frozenset({"spend", "clicks", "impressions"})

MAX_LENGTH: dict[str, int] = {
    "app_id": 250,
    "media_source": 50,
    "af_prt": 50,
    "campaign_id": 24,
    "campaign_name": 100,
    "adset_id": 24,
    "adset_name": 100,
    "ad_id": 24,
    "ad_name": 100,
    "site_id": 24,
    "channel": 20,
    "keywords": 100,
}

# What makes two rows "the same row" (ic222) and the unique key of a stored cost row.
DIMENSIONS: tuple[str, ...] = (
    "app_id",
    "date",
    "media_source",
    "af_prt",
    "campaign_id",
    "adset_id",
    "ad_id",
    "site_id",
    "geo",
    "channel",
    "keywords",
)

# AppsFlyer's Cost Import template headers, mapped to the InCost names.
TEMPLATE_HEADERS: dict[str, str] = {
    "app-id": "app_id",
    "media-source": "media_source",
    "campaign": "campaign_name",
    "campaign-id": "campaign_id",
}


def canonical_header(name: str) -> str:
    """The InCost field name a file header stands for (case and surrounding spaces ignored)."""
    cleaned = name.strip().lower()
    return TEMPLATE_HEADERS.get(cleaned, cleaned)


def granularity_label(present: tuple[bool, ...]) -> str:
    """The stored granularity marker: the optional fields a row carries, comma-separated."""
    return ",".join(name for name, here in zip(OPTIONAL, present, strict=True) if here)
