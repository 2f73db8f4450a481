from django.contrib import admin

from incost_portal.alerts.models import AlertSettings, Channel, Condition, Delivery, Subscription


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["title", "network", "kind", "since", "resolved_at", "announced_at", "acknowledged_at"]
    list_filter = ["kind", "network"]
    search_fields = ["title", "subject"]
    readonly_fields = [field.name for field in Condition._meta.fields]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "network", "kind", "url", "enabled", "created_at"]
    list_filter = ["kind", "network"]
    # The secret's ciphertext is never shown or edited here.
    exclude = ["secret_ciphertext"]
    readonly_fields = ["network", "kind", "url", "created_by", "created_at"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "network", "channel", "event", "status", "attempts", "status_code"]
    list_filter = ["status", "event"]
    readonly_fields = [field.name for field in Delivery._meta.fields]


admin.site.register(Subscription)
admin.site.register(AlertSettings)
