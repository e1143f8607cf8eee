"""mkslog.report.render."""
