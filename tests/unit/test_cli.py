"""`citygvc --help` and every subcommand's `--help` work, quickly, as a console script."""

from __future__ import annotations

import subprocess
import sys

import pytest

from orchestration.cli import bench_command, build_parser


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


@pytest.mark.parametrize(
    ("argv", "tail"),
    [
        (["bench"], ["--scale", "national"]),
        (["bench", "--scale", "demo"], ["--scale", "demo"]),
        (
            ["bench", "--scale", "demo", "--", "--years", "2005-2007"],
            ["--scale", "demo", "--years", "2005-2007"],
        ),
    ],
)
def test_bench_command_runs_the_tool_and_passes_extra_arguments(
    argv: list[str], tail: list[str]
) -> None:
    command = bench_command(build_parser().parse_args(argv))
    assert command[:3] == [sys.executable, "-m", "tools.bench"]
    assert command[3:] == tail
