"""Decode the first audio stream to 16 kHz mono float32, the format the ASR models take."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from vidscore.errors import MediaError, folded
from vidscore.media._open import open_container

AUDIO_SAMPLE_RATE = 16_000


def load_audio(path: str | Path, sample_rate: int = AUDIO_SAMPLE_RATE) -> np.ndarray | None:
    """Mono float32 samples in [-1, 1] at `sample_rate`, or None when the file has no audio.

    A missing audio track is a normal case (silent ads exist); an audio track that cannot be
    decoded at all raises `MediaError`.
    """
    with open_container(Path(path)) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        stream.thread_type = "AUTO"
        resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
        chunks: list[np.ndarray] = []
        try:
            for frame in container.decode(stream):
                frame.pts = None  # let the resampler count samples; avoids pts gaps warnings
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError as exc:
            if not chunks:
                raise MediaError(f"audio stream cannot be decoded ({folded(exc)})") from exc
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(chunks).astype(np.float32, copy=False)
