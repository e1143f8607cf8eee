"""Client addresses as networks: the prefix lengths ``top-ips --group`` takes, and the network
each address lies in (IPv4 by integer math in polars, IPv6 by :mod:`ipaddress` once per distinct
value, any spelling).

>>> prefixes("24/64")
(24, 64)
>>> prefixes(64), prefixes("/48"), prefixes(24)
((None, 64), (None, 48), (24, None))
>>> frame = pl.DataFrame({"remote_addr": ["10.1.0.7", "2001:DB8:0:0:1::9", "::ffff:10.1.0.200", "-"]})
>>> frame.select(network(pl.col("remote_addr"), 24, 64))["network"].to_list()
['10.1.0.0/24', '2001:db8::/64', '10.1.0.0/24', '-']
"""

from __future__ import annotations

import ipaddress

import polars as pl

from ..errors import QueryError
from ..filters import parse_address

IPV4 = r"^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$"
GROUP_HELP = ("give an IPv4 prefix length (24), an IPv6 one (64, or /32 for an IPv6 prefix of 32 or less) "
              "or both as 24/64")


def prefixes(group: int | str | tuple | None) -> tuple[int | None, int | None]:
    """``group`` as (IPv4 prefix length, IPv6 prefix length); None leaves that family's addresses whole.

    A bare number up to 32 is an IPv4 prefix, one from 33 to 128 an IPv6 prefix (``/N`` forces
    IPv6); ``"24/64"`` or ``(24, 64)`` give both.
    """
    if group is None:
        return None, None
    if isinstance(group, tuple | list):
        if len(group) != 2:
            raise QueryError(f"--group {group!r} is not (IPv4 prefix, IPv6 prefix): {GROUP_HELP}")
        v4, v6 = (None if g in (None, "") else _length(g, 128, group) for g in group)
        if v4 is not None and v4 > 32:
            raise QueryError(f"--group {group!r}: an IPv4 prefix is at most 32; {GROUP_HELP}")
        return v4, v6
    text = str(group).strip()
    if "/" in text:
        v4, _, v6 = text.partition("/")
        return prefixes((v4 or None, v6))
    length = _length(text, 128, group)
    return (length, None) if length <= 32 else (None, length)


def _length(value, most: int, group) -> int:
    try:
        length = int(str(value).strip())
    except ValueError:
        raise QueryError(f"--group {group!r} is not a prefix length: {GROUP_HELP}") from None
    if not 0 <= length <= most:
        raise QueryError(f"--group {group!r}: a prefix length is 0 to 32 (IPv4) or 0 to 128 (IPv6); {GROUP_HELP}")
    return length


def network(col: pl.Expr, v4: int | None, v6: int | None) -> pl.Expr:
    """The network (``10.1.0.0/24``, ``2001:db8::/64``) each address of ``col`` lies in, named ``network``.

    An address of a family left whole (None) or at its full length stays a plain address (IPv6
    in its compressed lower-case spelling); a value that is no address (``-``, ``unix:``) stays
    as logged, so its requests are counted under it and never lost.
    """
    octets = col.str.extract_groups(IPV4)
    parts = [octets.struct.field(str(i)).cast(pl.UInt32) for i in range(1, 5)]
    is_v4 = pl.all_horizontal([p <= 255 for p in parts]).fill_null(False)
    mask = (0xFFFFFFFF << (32 - v4)) & 0xFFFFFFFF if v4 is not None else 0xFFFFFFFF
    value = (parts[0] * (1 << 24) + parts[1] * (1 << 16) + parts[2] * (1 << 8) + parts[3]) & pl.lit(mask, pl.UInt32)
    shown = [(value // (1 << shift)) % 256 for shift in (24, 16, 8, 0)]
    v4_text = pl.format("{}.{}.{}.{}", *shown)
    if v4 is not None and v4 < 32:
        v4_text = pl.format("{}/{}", v4_text, pl.lit(v4))
    other = col.map_batches(lambda values: _other_networks(values, v4, v6), return_dtype=pl.String,
                            is_elementwise=True)
    return pl.when(is_v4).then(v4_text).otherwise(other).alias("network")


def _other_networks(values: pl.Series, v4: int | None, v6: int | None) -> pl.Series:
    """IPv6 (and IPv4-mapped, bracketed, unusual IPv4) values by :mod:`ipaddress`, once per distinct value."""
    distinct = values.unique().drop_nulls()
    mapped = pl.Series([network_text(v, v4, v6) for v in distinct.to_list()], dtype=pl.String)
    return values.replace_strict(distinct, mapped, default=None, return_dtype=pl.String)


def network_text(text: str, v4: int | None, v6: int | None) -> str:
    """One address as the text of its network (see :func:`network`).

    >>> network_text("[2001:DB8::1]", None, 48), network_text("2001:db8::1", None, None)
    ('2001:db8::/48', '2001:db8::1')
    """
    addr = parse_address(text)
    if addr is None:
        return text
    length = v4 if addr.version == 4 else v6
    if length is None or length == addr.max_prefixlen:
        return str(addr)
    return str(ipaddress.ip_network(f"{addr}/{length}", strict=False))


__all__ = ["GROUP_HELP", "network", "network_text", "prefixes"]
