"""Reads of sources: a network's sources with their latest run, a source's runs."""

from django.db.models import OuterRef, QuerySet, Subquery

from incost_portal.networks.models import Network
from incost_portal.sources.models import Source, SourceRun


def source_list(*, network: Network) -> QuerySet[Source]:
    """The network's sources by name, each with its latest run's outcome and time."""
    latest = SourceRun.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-id")
    return Source.objects.filter(network=network).annotate(
        last_outcome=Subquery(latest.values("outcome")[:1]),
        last_run_at=Subquery(latest.values("created_at")[:1]),
        last_dry_run=Subquery(latest.values("dry_run")[:1]),
    )


def source_run_list(*, source: Source) -> QuerySet[SourceRun]:
    """A source's runs, newest first."""
    return SourceRun.objects.filter(source=source).select_related("requested_by")


def source_run_list_for_network(*, network: Network) -> QuerySet[SourceRun]:
    return SourceRun.objects.filter(network=network).select_related("source")
