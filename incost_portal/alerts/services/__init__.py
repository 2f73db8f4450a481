"""Writes of alerts: conditions (open, resolve, acknowledge, mute), channels, deliveries."""
