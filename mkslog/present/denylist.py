"""Block lists for the manual's "block the address": an nginx ``deny`` include or ``ufw deny from`` lines.

:func:`deny_list` turns the chosen addresses into the text of one file; mkslog never applies it (an
operator reviews it, then ``include``s it in the server block and reloads nginx, or runs the ufw lines).
Addresses on the allowlist (by default loopback; ``security.allowlist`` in mkslog.toml, CIDR networks
allowed) and values that are not IP addresses (``-``, a proxy chain, text an attacker wrote) are never
written; the result says which were left out and why. Reasons go in as comments made inert
(:func:`mkslog.text.one_line`), so no log text can add a line of configuration. Standard library only.

>>> print(deny_list(["203.0.113.9", "127.0.0.1", "x;"], "nginx", reasons={"203.0.113.9": "burst"}).text, end="")
# mkslog suspects --deny nginx: 1 address; review, then include it in the server block (mkslog never applies it)
deny 203.0.113.9;  # burst
>>> deny_list(["2001:db8::1"], "ufw").text.splitlines()[1]
'ufw deny from 2001:db8::1'
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..text import one_line

STYLES = ("nginx", "ufw")
DEFAULT_ALLOWLIST = ("127.0.0.0/8", "::1/128")


@dataclass
class DenyList:
    text: str
    blocked: list[str]
    left_out: dict[str, str] = field(default_factory=dict)  # address -> why it is not blocked


def allow_networks(entries: list[str] | tuple[str, ...]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """The allowlist as networks; a bad entry is a ConfigError naming it.

    >>> [str(n) for n in allow_networks(["10.0.0.0/8", "192.0.2.7"])]
    ['10.0.0.0/8', '192.0.2.7/32']
    """
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(str(entry).strip(), strict=False))
        except ValueError:
            raise ConfigError(f"allowlist entry {entry!r} is not an address or network (write e.g. 10.0.0.0/8 or "
                              "192.0.2.7 in security.allowlist or --allow)") from None
    return networks


def deny_list(addresses: list[str], style: str, *, allow: list[str] | tuple[str, ...] = DEFAULT_ALLOWLIST,
              reasons: dict[str, str] | None = None) -> DenyList:
    """The ``style`` (nginx or ufw) block list of ``addresses``, in their order, each once."""
    if style not in STYLES:
        raise ConfigError(f"unknown block-list style {style!r}: use one of {', '.join(STYLES)}")
    networks = allow_networks(allow)
    blocked, left_out = [], {}
    for raw in dict.fromkeys(addresses):
        try:
            addr = ipaddress.ip_address(str(raw).strip())
        except ValueError:
            left_out[str(raw)] = "not an IP address"
            continue
        hit = next((n for n in networks if addr.version == n.version and addr in n), None)
        if hit is not None:
            left_out[str(raw)] = f"on the allowlist ({hit})"
        else:
            blocked.append(str(addr))
    count = f"{len(blocked)} address{'es' if len(blocked) != 1 else ''}"
    how = ("include it in the server block" if style == "nginx" else "run the lines as root")
    lines = [f"# mkslog suspects --deny {style}: {count}; review, then {how} (mkslog never applies it)"]
    for addr in blocked:
        rule = f"deny {addr};" if style == "nginx" else f"ufw deny from {addr}"
        why = (reasons or {}).get(addr)
        lines.append(f"{rule}  # {one_line(why)}" if why else rule)
    return DenyList("\n".join(lines) + "\n", blocked, left_out)
