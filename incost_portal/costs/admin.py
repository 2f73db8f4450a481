from django.contrib import admin

from incost_portal.costs.models import CostIssue, CostRow, CostUpload


class CostIssueInline(admin.TabularInline):
    model = CostIssue
    extra = 0
    can_delete = False
    readonly_fields = ["row", "field", "code", "severity", "message"]
    max_num = 0


@admin.register(CostUpload)
class CostUploadAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "network",
        "original_name",
        "source",
        "status",
        "row_count",
        "error_count",
        "created_at",
    ]
    list_filter = ["status", "source", "file_format", "network"]
    search_fields = ["original_name", "code"]
    readonly_fields = [field.name for field in CostUpload._meta.fields]
    inlines = [CostIssueInline]


@admin.register(CostRow)
class CostRowAdmin(admin.ModelAdmin):
    list_display = ["network", "app", "date", "media_source", "campaign_id", "geo", "currency", "spend"]
    list_filter = ["network", "media_source"]
    search_fields = ["campaign_id", "campaign_name", "app__app_id"]
    raw_id_fields = ["app", "upload"]
    list_select_related = ["network", "app"]
    date_hierarchy = "date"
