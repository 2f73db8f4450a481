"""Writes of sources: their settings and secrets (`config`), and their runs (`runs`)."""
