"""Atomic file writes: the reader sees the old content or the new one, never part of
it, and the file never exists with a wider mode than asked for."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from node.atomic_file import PRIVATE, atomic_path, write_atomically

SHARED = 0o644


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mode", [PRIVATE, SHARED])
def test_the_mode_is_set_whatever_the_umask(tmp_path, mode):
    old = os.umask(0)  # a umask of 0 would leave a plain open() at 0666
    try:
        write_atomically(tmp_path / "secret", "s3cret\n", mode=mode)
    finally:
        os.umask(old)
    assert _mode(tmp_path / "secret") == mode
    assert (tmp_path / "secret").read_text(encoding="utf-8") == "s3cret\n"
    assert os.listdir(tmp_path) == ["secret"]


def test_the_temporary_file_is_private_from_its_creation(tmp_path):
    with atomic_path(tmp_path / "credential", mode=PRIVATE) as tmp:
        assert _mode(tmp) == PRIVATE
        tmp.write_text("fedcrm-430100-abc\n", encoding="utf-8")
        assert _mode(tmp) == PRIVATE
    assert _mode(tmp_path / "credential") == PRIVATE


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(tmp_path):
    target = tmp_path / "node.toml"
    write_atomically(target, "old\n")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half of the ne", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert os.listdir(tmp_path) == ["node.toml"]


def test_a_writer_killed_mid_write_leaves_the_old_content(tmp_path):
    target = tmp_path / "report.csv"
    write_atomically(target, "old\n")
    # A real process killed by SIGKILL while the new content is half written.
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from node.atomic_file import atomic_path
        with atomic_path(Path({str(target)!r}), mode=0o644) as tmp:
            tmp.write_text("half", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False)
    assert done.returncode == -9
    assert target.read_text(encoding="utf-8") == "old\n"


def test_a_named_temporary_file_is_used_and_consumed(tmp_path):
    part = tmp_path / ".part-batch"
    write_atomically(tmp_path / "batch", b"\x00\x01", temp=part)
    assert (tmp_path / "batch").read_bytes() == b"\x00\x01"
    assert not part.exists()
