from django.contrib import admin

from incost_portal.networks.models import ApiToken, App, MediaSource, Membership, Network


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class MediaSourceInline(admin.TabularInline):
    model = MediaSource
    extra = 0


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "code", "api_base_url", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["code"]
    inlines = [MembershipInline, MediaSourceInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "network", "role", "created_at"]
    list_filter = ["role", "network"]
    search_fields = ["user__username", "user__email", "network__name"]
    autocomplete_fields = ["user"]


@admin.register(MediaSource)
class MediaSourceAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "network"]
    list_filter = ["kind", "network"]
    search_fields = ["name"]


@admin.register(App)
class AppAdmin(admin.ModelAdmin):
    list_display = ["app_id", "name", "network", "platform", "time_zone", "currency", "enabled", "send_cost"]
    list_filter = ["network", "platform", "enabled", "send_cost", "is_test_app"]
    search_fields = ["app_id", "name"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are added by network admins in the portal, and never shown."""

    list_display = ["network", "last_four", "short_fingerprint", "created_by", "created_at", "revoked_at"]
    list_filter = ["network"]
    fields = ["network", "last_four", "fingerprint", "created_by", "created_at", "revoked_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
