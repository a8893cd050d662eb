"""How the cores are shared: between processes (--jobs), and within a video between ASR and OCR."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidscore import batch, system
from vidscore.config import AnalyzeConfig
from vidscore.result import VideoResult
from vidscore.signals.speech import SpeechSettings


def test_each_process_gets_its_share_of_the_cores(monkeypatch):
    monkeypatch.setattr(batch, "default_jobs", lambda: 8)
    assert batch.per_job_config(AnalyzeConfig(), 2).cpu_threads == 4
    assert batch.per_job_config(AnalyzeConfig(), 16).cpu_threads == 1
    assert batch.per_job_config(AnalyzeConfig(cpu_threads=3), 2).cpu_threads == 3  # set by the caller: kept


def test_a_lone_video_gets_every_core_whatever_jobs_says(monkeypatch, tmp_path):
    """--jobs 4 with one video runs one process: it must not be held to a quarter of the cores."""
    seen: list[AnalyzeConfig] = []

    def record(video, config, *, debug, cache):
        seen.append(config)
        return VideoResult(file=str(video), ok=True)

    monkeypatch.setattr(batch, "analyze", record)
    monkeypatch.setattr(batch, "default_jobs", lambda: 4)
    video = tmp_path / "one.mp4"
    list(batch.run_batch([video], AnalyzeConfig(), jobs=4))
    assert [c.cpu_threads for c in seen] == [4]


@pytest.mark.parametrize("content, expected", [("150000 100000", 2), ("max 100000", None), ("50000 100000", 1)])
def test_a_container_cpu_quota_caps_the_cores(monkeypatch, tmp_path, content, expected):
    cpu_max = tmp_path / "cpu.max"
    cpu_max.write_text(content + "\n")
    monkeypatch.setattr(system, "CGROUP_V2_CPU_MAX", cpu_max)
    monkeypatch.setattr(system.os, "sched_getaffinity", lambda _pid: set(range(8)))
    assert system.available_cores() == (expected or 8)


def test_no_cgroup_files_means_no_quota(monkeypatch, tmp_path):
    monkeypatch.setattr(system, "CGROUP_V2_CPU_MAX", tmp_path / "missing")
    monkeypatch.setattr(system, "CGROUP_V1_QUOTA", Path(tmp_path / "missing-too"))
    assert system._cgroup_cpu_quota() is None


def test_analysis_threads_split_between_asr_and_ocr():
    assert AnalyzeConfig(cpu_threads=4).thread_split() == (2, 2)
    assert AnalyzeConfig(cpu_threads=1).thread_split() == (1, 1)
    assert AnalyzeConfig(cpu_threads=4, speech=None).thread_split() == (0, 2)
    assert AnalyzeConfig(cpu_threads=4, speech=SpeechSettings(cpu_threads=3)).thread_split() == (3, 2)
