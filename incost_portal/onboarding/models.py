"""Evidence for onboarding: each connection test of the AppsFlyer token, with its outcome."""

from django.conf import settings
from django.db import models


class ConnectionTest(models.Model):
    network = models.ForeignKey("networks.Network", on_delete=models.CASCADE, related_name="connection_tests")
    # Which token was tested (its fingerprint), so a replaced token is tested again.
    token_fingerprint = models.CharField(max_length=64)
    tested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    tested_at = models.DateTimeField(auto_now_add=True)
    ok = models.BooleanField()
    apps_enabled = models.PositiveIntegerField(null=True, blank=True)
    code = models.CharField(max_length=40, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-tested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.network_id} {'ok' if self.ok else self.code} {self.tested_at:%Y-%m-%d %H:%M}"
