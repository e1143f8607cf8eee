"""mkslog.present.tables."""
