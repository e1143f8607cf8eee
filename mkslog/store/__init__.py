"""mkslog.store.read."""
