"""Writes of the sending pipeline: plans, sends, polls, the dispatcher and schedules."""
