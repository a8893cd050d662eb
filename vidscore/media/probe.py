"""Probe a video file: duration, frame rate, codec, coded and display size, rotation, audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

from vidscore.errors import MediaError, folded
from vidscore.media._open import open_container


@dataclass(frozen=True)
class MediaInfo:
    """What a video file holds, as the user would see it played."""

    duration_s: float
    fps: float
    frame_count: int
    codec: str
    coded_width: int
    coded_height: int
    width: int  # display width, after rotation
    height: int  # display height, after rotation
    rotation: int  # degrees counter-clockwise from the display matrix (as ffprobe shows), 0/90/180/270
    has_audio: bool
    audio_codec: str | None
    container: str
    size_bytes: int

    @property
    def aspect(self) -> float:
        """Display width / height (0.5625 for 9:16)."""
        return self.width / self.height if self.height else 0.0

    def to_json(self) -> dict:
        """The `media` object of the JSON contract (stable field names)."""
        return {
            "duration_s": round(self.duration_s, 3),
            "fps": round(self.fps, 3),
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "codec": self.codec,
            "has_audio": self.has_audio,
            "frame_count": self.frame_count,
            "coded_width": self.coded_width,
            "coded_height": self.coded_height,
            "audio_codec": self.audio_codec,
            "container": self.container,
            "size_bytes": self.size_bytes,
        }


def probe(path: str | Path) -> MediaInfo:
    """Read the container header and the first video frame (for the rotation) of `path`.

    Raises `MediaError` with a one-line reason for anything that is not a decodable video.
    """
    path = Path(path)
    with open_container(path) as container:
        if not container.streams.video:
            kind = "audio-only file" if container.streams.audio else "no streams"
            raise MediaError(f"no video stream ({kind})")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        first = _first_frame(container, stream)
        rotation = int(round(getattr(first, "rotation", 0) or 0)) % 360
        rotation = 90 * round(rotation / 90) % 360
        coded_w, coded_h = first.width, first.height
        width, height = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
        fps = _fps(stream)
        duration_s = _duration_s(container, stream)
        frame_count = int(stream.frames or 0) or int(round(duration_s * fps))
        audio = container.streams.audio[0] if container.streams.audio else None
        return MediaInfo(
            duration_s=duration_s,
            fps=fps,
            frame_count=frame_count,
            codec=ctx.name,
            coded_width=coded_w,
            coded_height=coded_h,
            width=width,
            height=height,
            rotation=rotation,
            has_audio=audio is not None,
            audio_codec=audio.codec_context.name if audio is not None else None,
            container=container.format.name.split(",")[0],
            size_bytes=path.stat().st_size,
        )


def _first_frame(container: av.container.InputContainer, stream: av.video.stream.VideoStream):
    try:
        for frame in container.decode(stream):
            return frame
    except av.error.FFmpegError as exc:
        raise MediaError(f"video stream cannot be decoded ({folded(exc)})") from exc
    raise MediaError("video stream holds no decodable frame (file truncated or empty stream)")


def _fps(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0:
            return float(rate)
    return 0.0


def _duration_s(container, stream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    return 0.0
