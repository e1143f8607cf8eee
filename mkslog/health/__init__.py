"""mkslog.health.checks."""
