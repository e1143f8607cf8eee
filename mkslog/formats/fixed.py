"""The fixed-layout logs, compiled: nginx error log, gunicorn error log, and mkslog's own
``health_check.log``, ``metrics.log``, ``backup.log``. Each is a table of fields (a
:class:`~mkslog.linelayout.Layout`: the servers' in :mod:`mkslog.formats.layouts_servers`, mkslog's own
in :mod:`mkslog.loglines`, where its writers format lines from the same table), compiled by
:mod:`mkslog.formats.layout` to the record parser's :class:`RecordFormat`.

Timestamps without an offset (all of these except gunicorn's) are local times of the source
timezone: they are made tz-aware with ``dt.replace_time_zone(source_tz, ambiguous="earliest",
non_existent="null")`` and converted to UTC. mkslog's own writers stamp their lines in that same
zone (``source_timezone``, by default the machine's), so those lines read back at their instant.

>>> import re
>>> fmt = FIXED["metrics"]
>>> re.match(fmt.pattern, "2026-11-18 14:05:00,CPU:12.5,Memory:40.1,Disk:63")["cpu"]
'12.5'
>>> bool(re.match(FIXED["nginx-error"].start, "2016/10/25 14:49:34 [error] 54053#0: *1 open() failed"))
True
"""

from __future__ import annotations

from .. import loglines
from ..linelayout import Layout
from .layout import compile_layout
from .layouts_servers import GUNICORN_ERROR, NGINX_ERROR
from .record import TS, RecordFormat, local_to_utc, parse_local

#: The layouts of the fixed-layout kinds, by kind name (the journal's is in :mod:`mkslog.formats.journal`).
LAYOUTS: dict[str, Layout] = {
    layout.kind: layout for layout in (NGINX_ERROR, GUNICORN_ERROR, loglines.HEALTH, loglines.METRICS, loglines.BACKUP)
}
#: The fixed formats by kind name, compiled from :data:`LAYOUTS`.
FIXED: dict[str, RecordFormat] = {kind: compile_layout(layout) for kind, layout in LAYOUTS.items()}

__all__ = ["FIXED", "LAYOUTS", "TS", "RecordFormat", "local_to_utc", "parse_local"]
