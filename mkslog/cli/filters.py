"""The filter options of the query commands (``--status``, ``--method``, ``--path``, ``--ip``,
``--exclude-ip``, ``--ua``, ``--bots``, ``--level``, ``--where``) and the step from them to the
library's filter spec (:class:`mkslog.filters.Filters`), which ``mkslog.scan`` pushes into the parse.

The options keep their values in ``ctx.meta``, so a command takes them with one decorator line
and needs no parameters for them; :func:`cli_filters` reads them back for the kind being opened.

>>> from click.testing import CliRunner  # doctest: +SKIP
>>> CliRunner().invoke(main, ["top-ips", "--status", "5xx", "--path", "/api/*", "access.log"])  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable

import click

META = "mkslog_filters"


def keep(name: str) -> Callable:
    """Store an option's value under ``name`` in the command's filter spec (nothing when not given)."""

    def callback(ctx: click.Context, _param, value):
        if value not in (None, ()):
            ctx.meta.setdefault(META, {})[name] = value
        return value

    return callback


def _option(*names: str, name: str, **kwargs) -> Callable:
    return click.option(*names, expose_value=False, callback=keep(name), **kwargs)


status_option = _option("--status", name="status", metavar="CODES",
                        help="Only these status codes or classes: 404, 5xx, 4xx,5xx.")
method_option = _option("--method", name="method", metavar="METHODS", help="Only these methods: GET, POST,PUT.")
path_option = _option("--path", name="path", multiple=True, metavar="GLOB",
                      help="Only paths matching GLOB (* any run, ? one character); repeatable; !GLOB excludes.")
ip_option = _option("--ip", "ip_filter", name="ip", multiple=True, metavar="ADDR|CIDR",
                    help="Only clients in ADDR or network (10.1.0.0/24, 2001:db8::/32); repeatable.")
exclude_ip_option = _option("--exclude-ip", name="exclude_ip", multiple=True, metavar="ADDR|CIDR",
                            help="Leave out clients in ADDR or network; repeatable.")
ua_option = _option("--ua", name="ua", metavar="REGEX", help="Only user agents matching REGEX (searched, case-sensitive; "
                                                            "(?i) for any case).")
bots_option = _option("--bots", name="bots", type=click.Choice(["only", "none"]),
                      help="Only bots, crawlers and scripts, or none of them (the crawler-user-agents list).")
level_option = _option("--level", "level_filter", name="level", metavar="LEVEL",
                       help="Only records at LEVEL and more severe (DEBUG, INFO, WARNING, ERROR, CRITICAL; nginx's "
                            "warn, crit ...).")
WHERE_HELP = ("Only records where the SQL condition holds: \"status >= 500 AND path LIKE '/api/%'\" "
              "(ts is in UTC here; use --since/--until for time).")
where_option = _option("--where", name="where", metavar="SQL", help=WHERE_HELP)
#: ``--where`` of the commands that read app and error logs (``errors``): it applies to those records.
records_where_option = _option("--where", name="records_where", metavar="SQL", help=WHERE_HELP)

_ACCESS = (status_option, method_option, path_option, ip_option, exclude_ip_option, ua_option, bots_option,
           where_option)


def access_filter_options(func: Callable) -> Callable:
    """The filters of the access-log commands: --status --method --path --ip --exclude-ip --ua --bots --where."""
    for deco in reversed(_ACCESS):
        func = deco(func)
    return func


def all_filter_options(func: Callable) -> Callable:
    """Every filter, for commands that read any kind (``show``): the access ones plus --level."""
    return level_option(access_filter_options(func))


def cli_filters(kind: str | None) -> dict:
    """The filter spec the options gave, for a log of ``kind``: an access command's filters go to
    its access logs (the app log it may also read stays whole), ``--level`` and the ``--where`` of a
    records command to app and error logs; ``kind=None``: every filter given (``show``)."""
    ctx = click.get_current_context(silent=True)
    spec = dict(ctx.meta.get(META, {})) if ctx is not None else {}
    records_where = spec.pop("records_where", None)
    if kind is None:
        return spec if records_where is None else {**spec, "where": records_where}
    if kind == "access":
        return {k: v for k, v in spec.items() if k != "level"}
    out = {"level": spec["level"]} if "level" in spec else {}
    return out if records_where is None else {**out, "where": records_where}


__all__ = ["access_filter_options", "all_filter_options", "cli_filters", "level_option", "records_where_option", "where_option"]
