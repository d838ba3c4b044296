"""`painpath serve` raises its soft open-file limit, so a process holding many idle alert
streams (one socket each) is not capped at the common default of 1024 connections."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

PROBE = (
    "import resource\n"
    "from painpath.cli.serve import raise_open_file_limit\n"
    "now = raise_open_file_limit()\n"
    "print(now, resource.getrlimit(resource.RLIMIT_NOFILE)[0])\n"
)


def test_the_server_raises_a_low_soft_open_file_limit_up_to_the_hard_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard <= 256:
        pytest.skip("the hard open-file limit here leaves nothing to raise")

    def low_soft_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))

    done = subprocess.run(
        [sys.executable, "-c", PROBE],
        preexec_fn=low_soft_limit,
        capture_output=True,
        text=True,
        check=True,
    )
    reported, in_force = (int(value) for value in done.stdout.split())
    assert reported == in_force
    assert in_force > 256
    assert hard == resource.RLIM_INFINITY or in_force <= hard
