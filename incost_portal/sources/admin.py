from django.contrib import admin

from incost_portal.sources.models import Source, SourceRun


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    """For the platform operator: what each network pulls; secrets only by their last four."""

    list_display = ("name", "network", "kind", "enabled", "next_run_at")
    list_filter = ("kind", "enabled")
    search_fields = ("name", "network__name", "url_template", "bucket")
    fields = (
        "network", "name", "kind", "enabled", "url_template", "headers_shown", "file_format", "bucket",
        "prefix", "region", "endpoint_url", "access_key_id", "secret_key_last4", "column_mapping",
        "date_format", "decimal_separator", "restatement_days", "every_hours", "on_problems",
        "next_run_at", "lease_until",
    )  # fmt: skip
    readonly_fields = ("network", "headers_shown", "secret_key_last4", "lease_until")

    def has_add_permission(self, request: object) -> bool:
        return False  # a source is made by its network (page or API), with its secrets encrypted


@admin.register(SourceRun)
class SourceRunAdmin(admin.ModelAdmin):
    list_display = ("source", "created_at", "trigger", "dry_run", "outcome", "rows", "groups_held")
    list_filter = ("outcome", "trigger", "dry_run")
    readonly_fields = [field.name for field in SourceRun._meta.fields] + ["uploads"]

    def has_add_permission(self, request: object) -> bool:
        return False
