"""`citygvc --help` and every subcommand's `--help` work, quickly, as a console script."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestration.cli import build_parser


@pytest.mark.parametrize("command", [[], ["refresh"], ["report"], ["ui"], ["bench"]])
def test_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([*command, "--help"])
    assert exit_.value.code == 0
    assert "usage: citygvc" in capsys.readouterr().out


def test_refresh_has_verbose_and_help_does_not_load_dagster() -> None:
    args = build_parser().parse_args(["refresh", "--verbose"])
    assert args.verbose and not args.rollback
    probe = "import sys, orchestration.cli; print('dagster' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
