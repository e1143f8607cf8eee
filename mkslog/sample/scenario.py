"""The sample week's scenario: its random source, its window, when its events happen, and who visits.

A :class:`Scenario` is built once per ``generate`` call and handed to every builder and writer; they
all draw from its one ``random.Random`` in a fixed order, which is why the same arguments give the same
bytes. It also holds the cast: a few thousand client addresses with Zipf weights (office NAT first) and
a browser, protocol and user for each.

Example (the outage on day 3 at 14:00, the brute force on day 4 at 03:00, the busiest client):

>>> from datetime import date
>>> sc = Scenario(date(2026, 11, 16), 7, seed=47, scale=1.0)
>>> sc.clock.aware(sc.burst[0]), sc.clock.aware(sc.brute)
('2026-11-18T14:00:00+09:00', '2026-11-19T03:00:00+09:00')
>>> sc.ips[0]
'10.1.0.6'
"""

from __future__ import annotations

import random
from datetime import date
from itertools import accumulate

from .clock import Clock
from .system import BINGBOT_IP, BRUTE_IP, CHROME, DAY, GOOGLEBOT_IPS, MONITOR_IP, SCANNERS

_IPV6 = ("2001:db8::1f", "2001:db8::2a", "2001:db8:85a3::8a2e:370:7334", "2001:db8:1:2::10",
         "2001:db8:4:8::1", "2001:db8:cafe::17", "2001:db8:0:1::ac", "2001:db8:abcd::3")
_NOT_PUBLIC = {0, 10, 100, 127, 169, 172, 192, 198, 203}  # first octets of private and documentation ranges

_BROWSERS = (  # (weight, user agent)
    (38, CHROME),
    (22, "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/142.0.0.0 Safari/537.36 Edg/142.0.0.0"),
    (8, "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:145.0) Gecko/20100101 Firefox/145.0"),
    (9, "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/26.0 Safari/605.1.15"),
    (13, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/26.0 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (iPad; CPU OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/26.0 Mobile/15E148 Safari/604.1"),
    (5, "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/142.0.0.0 Mobile Safari/537.36"),
)
_UAS = tuple(ua for _, ua in _BROWSERS)
_UA_CUM = tuple(accumulate(w for w, _ in _BROWSERS))

_SURNAMES = ("sato", "suzuki", "takahashi", "tanaka", "watanabe", "ito", "yamamoto", "nakamura",
             "kobayashi", "kato", "yoshida", "yamada", "sasaki", "yamaguchi", "matsumoto", "inoue",
             "kimura", "hayashi", "shimizu", "yamazaki", "mori", "abe", "ikeda", "hashimoto", "ishikawa",
             "ogawa", "okada", "goto", "hasegawa", "murakami")
_USERS = _SURNAMES + tuple(f"{s}{k}" for k in (2, 3) for s in _SURNAMES)


class Scenario:
    """The random source, the window and the times of the week's events."""

    def __init__(self, start: date, n: int, seed: int, scale: float) -> None:
        self.rng, self.seed = random.Random(seed), seed
        self.start, self.n, self.scale = start, n, scale
        self.clock = Clock(start, n)

        def day(i: int) -> int:
            return min(i, n - 1) * DAY

        b0 = day(2) + 14 * 3600
        self.burst = (b0, b0 + 1200)
        self.refused = b0 + 360  # the gunicorn master exits; nginx gets connection refused
        self.restart = b0 + 1170  # gunicorn started again
        self.brute = day(3) + 3 * 3600
        self.hup = day(1) + 18 * 3600 + 30 * 60 + 7
        self.deploy = day(4) + 19 * 3600 + 2 * 60 + 10
        self.backup_fail_day = min(3, n - 1)
        self.ips, self.ip_cum = _ip_pool(self.rng)
        self.profile = {ip: self._profile() for ip in self.ips if not ip.startswith(("10.1.", "10.2.", "10.3."))}
        self.kid_cum = tuple(accumulate(1 / k for k in range(1, 1501)))
        self.uuids: dict[int, str] = {}

    def _profile(self) -> tuple[str, str, str]:
        rng = self.rng
        ua = rng.choices(_UAS, cum_weights=_UA_CUM)[0]
        return ua, "HTTP/2.0" if rng.random() < 0.7 else "HTTP/1.1", rng.choice(_USERS)

    def client(self, ip: str) -> tuple[str, str, str]:
        """User agent, protocol and user of a request; office NAT addresses are shared by many people."""
        return self.profile.get(ip) or self._profile()

    def kid(self) -> int:
        """A knowledge id, Zipf-weighted over the 1500 documents."""
        return self.rng.choices(range(1, 1501), cum_weights=self.kid_cum)[0]

    def uuid(self, kid: int) -> str:
        """The attachment UUID of a document: drawn on first use, then always the same."""
        if kid not in self.uuids:
            b = self.rng.getrandbits
            self.uuids[kid] = f"{b(32):08x}-{b(16):04x}-4{b(12):03x}-{8 | b(2):x}{b(12):03x}-{b(48):012x}"
        return self.uuids[kid]

    def at(self, day: int, h: int, m: int, s: float) -> float:
        """The time of day ``day`` ``h:m:s``; a window shorter than ``day`` puts it on its last day."""
        return min(day, self.n - 1) * DAY + h * 3600 + m * 60 + s

    def k(self, count: float) -> int:
        """A count of the story at the scenario's scale, never zero (every actor shows up)."""
        return max(1, round(count * self.scale))


def public_ip(rng: random.Random) -> str:
    """A random IPv4 address outside the private and documentation ranges' first octets."""
    while True:
        a = rng.randint(1, 223)
        if a not in _NOT_PUBLIC:
            return f"{a}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _ip_pool(rng: random.Random) -> tuple[list[str], tuple[float, ...]]:
    """A few thousand client addresses ranked for Zipf weights; office NAT addresses lead."""
    special = {BRUTE_IP, MONITOR_IP, BINGBOT_IP, *GOOGLEBOT_IPS, *(ip for ip, _ in SCANNERS)}
    nat = [f"10.1.0.{i}" for i in range(1, 9)] + [f"10.2.0.{i}" for i in range(1, 5)]
    nat += [f"10.3.{i}.1" for i in range(1, 21)]
    vpn = sorted({f"10.8.{rng.randint(0, 3)}.{rng.randint(2, 254)}" for _ in range(320)})
    doc = [f"{p}.{i}" for p in ("192.0.2", "198.51.100", "203.0.113") for i in range(1, 255)]
    doc = rng.sample([ip for ip in doc if ip not in special], 560)
    public = sorted({public_ip(rng) for _ in range(2300)})
    top, rest = nat[:8], nat[8:] + vpn + doc + public + list(_IPV6)
    rng.shuffle(top)
    rng.shuffle(rest)
    ranked = top + rest
    return ranked, tuple(accumulate(1 / r for r in range(1, len(ranked) + 1)))
