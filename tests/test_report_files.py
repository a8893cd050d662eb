"""Report files: written atomically, with the permissions a normal file gets (not mkstemp's 0600)."""

from __future__ import annotations

import os

from vidscore.reports.files import write_text


def test_written_report_has_normal_permissions_and_no_temp_left(tmp_path):
    previous = os.umask(0o022)
    try:
        target = tmp_path / "sub" / "report.json"
        write_text(str(target), "{}\n")
    finally:
        os.umask(previous)
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]
