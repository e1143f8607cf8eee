"""mkslog.backup.create."""
