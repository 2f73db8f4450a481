"""Who did what, and when, in a network: the admins' audit trail."""

from django.conf import settings
from django.db import models


class Action(models.TextChoices):
    TOKEN_ADDED = "token.added", "Token added"
    TOKEN_TESTED = "token.tested", "Token tested"
    TOKEN_REVOKED = "token.revoked", "Token revoked"
    MEMBER_INVITED = "member.invited", "Member invited"
    MEMBER_JOINED = "member.joined", "Member joined"
    MEMBER_ROLE_CHANGED = "member.role_changed", "Member role changed"
    MEMBER_REMOVED = "member.removed", "Member removed"
    INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
    MEDIA_SOURCE_ADDED = "media_source.added", "Media source added"
    MEDIA_SOURCE_REMOVED = "media_source.removed", "Media source removed"
    APP_TOGGLED = "app.toggled", "App send-cost toggled"
    APPS_SYNCED = "apps.synced", "App list synced"
    SCHEDULE_CHANGED = "schedule.changed", "Schedule changed"
    UPLOAD_ACCEPTED = "upload.accepted", "Upload accepted"
    COST_EDITED = "cost.edited", "Cost edited"
    SEND_REQUESTED = "send.requested", "Send requested"
    BACKFILL_REQUESTED = "backfill.requested", "Backfill requested"
    API_KEY_CREATED = "api_key.created", "API key created"
    API_KEY_REVOKED = "api_key.revoked", "API key revoked"
    API_KEY_REFUSED = "api_key.refused", "API key refused"
    SOURCE_CREATED = "source.created", "Source created"
    SOURCE_UPDATED = "source.updated", "Source updated"
    SOURCE_DELETED = "source.deleted", "Source deleted"


class AuditEvent(models.Model):
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="audit_events")
    # Null for what the system did by itself (scheduled sends, app-list sync).
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.CharField(max_length=40, choices=Action.choices)
    # What it was done to, in words ("member rita", "app id123456789"): kept when the object is gone.
    target = models.CharField(max_length=300, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["network", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target}"

    @property
    def detail_shown(self) -> str:
        """The detail in words: "send times: 00:00, 12:00 · backfill days: 7"; empty values left out,
        yes and no for flags, lists joined."""
        parts = []
        for key, value in (self.detail or {}).items():
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, bool):
                shown = "yes" if value else "no"
            elif isinstance(value, list | tuple):
                shown = ", ".join(map(str, value))
            else:
                shown = str(value)
            parts.append(f"{str(key).replace('_', ' ')}: {shown}")
        return " · ".join(parts)
