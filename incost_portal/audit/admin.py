from django.contrib import admin

from incost_portal.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "network", "actor", "action", "target"]
    list_filter = ["action", "network"]
    search_fields = ["target", "actor__username"]
    readonly_fields = ["network", "actor", "action", "target", "detail", "created_at"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
