"""The weekly report: the week's figures on the queries, and a papermill notebook made one offline HTML page.

One module per idea, as the report's sections use them:

- :mod:`~mkslog.report.week`: the period, an ISO week in the display timezone (``last``, ``2026-W47``);
- :mod:`~mkslog.report.weeklogs`: :class:`~mkslog.report.weeklogs.WeekLogs`, the configured logs of
  the week and the week before, read once;
- :mod:`~mkslog.report.page`: display settings of the kernel and the title;
- :mod:`~mkslog.report.headline`, :mod:`~mkslog.report.availability`, :mod:`~mkslog.report.resources`,
  :mod:`~mkslog.report.backups`, :mod:`~mkslog.report.quality`, :mod:`~mkslog.report.suspects`:
  the figures of each section;
- :mod:`~mkslog.report.serverlogs`: the nginx and gunicorn error logs (templates, 502/504 causes,
  worker events, boot loops); :mod:`~mkslog.report.visitors`: the GoAccess-style visitor panels;
- :mod:`~mkslog.report.incident`: the incident notebook's join of app errors to one client;
- :mod:`~mkslog.report.render`: run a notebook and write the HTML.

>>> from mkslog.report.week import resolve_week
>>> resolve_week("2026-W47", "Asia/Tokyo").first_day.isoformat()
'2026-11-16'
"""
