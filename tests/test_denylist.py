"""Tests of `mkslog suspects --deny nginx|ufw` (mkslog.present.denylist) on the bundled sample week, whose
attackers (a login brute force from 198.51.100.23, scanners from 192.0.2.45 and 2001:db8:dead::beef) are
modelled on the manual's "block the address" incident."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mkslog.cli.main import main
from mkslog.errors import ConfigError
from mkslog.present.denylist import deny_list

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "mkslog.example.toml"


def cli(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def suspects() -> list[dict]:
    return json.loads(cli("suspects", "--config", CONFIG, "--as", "json").stdout)


@pytest.mark.parametrize("style, rule", [("nginx", r"deny ([0-9a-f.:]+);"), ("ufw", r"ufw deny from ([0-9a-f.:]+)")])
def test_deny_writes_every_suspect_but_the_allowlisted(tmp_path, style, rule):
    out = tmp_path / f"deny.{style}"
    result = cli("suspects", "--config", CONFIG, "--deny", style, "--allow", "192.0.2.0/24", "-o", out)
    assert result.exit_code == 0, result.output
    expected = [s["remote_addr"] for s in suspects() if not s["remote_addr"].startswith("192.0.2.")]
    lines = out.read_text().splitlines()
    assert lines[0].startswith(f"# mkslog suspects --deny {style}: {len(expected)} addresses; review, then ")
    assert [re.match(rule, line).group(1) for line in lines[1:]] == expected
    assert "198.51.100.23" in expected and "2001:db8:dead::beef" in expected
    assert lines[1].endswith("# 100% of 420 requests got 4xx (limit 50%); 420 failed logins (limit 10)")
    assert result.stderr.splitlines() == ["Note: not blocking 192.0.2.45: on the allowlist (192.0.2.0/24)"]


def test_the_configured_allowlist_applies(tmp_path):
    cfg = tmp_path / "mkslog.toml"
    # relative paths resolve against the config's folder: point them back at the repo's sample logs
    text = CONFIG.read_text().replace('"sample_logs/', f'"{ROOT}/sample_logs/')
    cfg.write_text(text + '\n[security]\nallowlist = ["198.51.100.23"]\n')
    result = cli("suspects", "--config", cfg, "--deny", "nginx")
    assert result.exit_code == 0, result.output
    assert "deny 198.51.100.23;" not in result.stdout and "deny 192.0.2.45;" in result.stdout


def test_log_text_cannot_add_a_rule():
    made = deny_list(["203.0.113.5", "-", "10.0.0.1, 10.0.0.2", "127.0.0.1"], "nginx",
                     reasons={"203.0.113.5": "evil\ndeny all; allow 0.0.0.0/0;\x1b[2J"})
    assert made.text.splitlines() == [
        "# mkslog suspects --deny nginx: 1 address; review, then include it in the server block (mkslog never "
        "applies it)",
        "deny 203.0.113.5;  # evil\\ndeny all; allow 0.0.0.0/0;\\x1b[2J"]
    assert made.left_out == {"-": "not an IP address", "10.0.0.1, 10.0.0.2": "not an IP address",
                             "127.0.0.1": "on the allowlist (127.0.0.0/8)"}


def test_bad_allowlist_entry_is_a_clear_error():
    with pytest.raises(ConfigError, match=r"allowlist entry 'office' is not an address or network"):
        deny_list(["203.0.113.5"], "ufw", allow=["office"])
