"""Backups of the Mirai Knowledge System: create, verify, prune, restore (stdlib only, no polars)."""
