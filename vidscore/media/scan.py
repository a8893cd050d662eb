"""The single visual pass: decode the video once and hand each sampled frame to the visual signals.

Visual signals (cuts, text, faces, product) are consumers of this one stream so the file is never
decoded twice. Decoding runs in one thread and each signal in its own, joined by short queues
(memory stays bounded). The pass also checks that the picture lasts as long as the container
says, which is how a truncated upload is caught.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vidscore.errors import MediaError
from vidscore.media.frames import Frame, sample_decoded, scaled_size, upright_image
from vidscore.media.probe import MediaInfo

if TYPE_CHECKING:
    from vidscore.signals.base import FrameSignal

# A picture that stops this long before the stated duration (and before 90 % of it) is truncated.
TRUNCATION_TOLERANCE_S = 1.0
TRUNCATION_MIN_COVERED_FRAC = 0.9
DECODE_AHEAD_SAMPLES = 4  # samples decoded ahead of the signals (a 960 px sample is ~1.5 MB)
LANE_AHEAD_SAMPLES = 8  # frames queued for a signal that is behind (OCR: ~12 MB at 960 px)
SCAN_VERSION = 4  # 2: each signal's frames scaled straight from the decoded picture; 3: deblocking skipped (undone in 4)


@dataclass(frozen=True)
class VisualScan:
    """What the visual pass saw: how many samples, at what rate and size, up to which second."""

    samples: int
    rate_hz: float
    frame_width: int
    frame_height: int
    decoded_until_s: float

    def to_json(self) -> dict:
        return {
            "samples": self.samples,
            "rate_hz": self.rate_hz,
            "frame_width": self.frame_width,
            "frame_height": self.frame_height,
            "decoded_until_s": round(self.decoded_until_s, 3),
        }

    @classmethod
    def from_json(cls, data: dict) -> VisualScan:
        return cls(
            samples=int(data["samples"]),
            rate_hz=float(data["rate_hz"]),
            frame_width=int(data["frame_width"]),
            frame_height=int(data["frame_height"]),
            decoded_until_s=float(data["decoded_until_s"]),
        )


def scan_video(
    path: str | Path,
    media: MediaInfo,
    rate_hz: float,
    max_side_px: int,
    signals: Sequence[FrameSignal] = (),
    timings_s: dict[str, float] | None = None,
) -> VisualScan:
    """Decode `path` once and feed each signal the frames it asked for; check completeness.

    The stream is sampled at the highest rate and size any signal wants (at least `rate_hz`,
    `max_side_px`); each signal then gets the samples on its own time grid, shrunk to its size.
    Decoding and shrinking run in a thread of their own, a few samples ahead of the signals, which
    run in a thread each. `timings_s`, when given, receives the seconds spent per signal and in
    decoding (`decode`); they overlap, so they add up to more than the wall time.
    """
    rate_hz = max([rate_hz, *(s.rate_hz for s in signals)])
    max_side_px = max([max_side_px, *(s.max_side_px for s in signals)])
    decoder = _Decoder(path, rate_hz, max_side_px, [(s.rate_hz, s.max_side_px) for s in signals])
    count, last_t_s, size = 0, 0.0, (0, 0)
    lanes = [_Lane(signal) for signal in signals]
    finished = False
    try:
        with decoder:
            for t_s, images, size in decoder:
                for i, image in images:
                    lanes[i].feed(Frame(t_s=t_s, image=image))
                count += 1
                last_t_s = t_s
        finished = True
    finally:
        for lane in lanes:  # every lane is told to end before any is waited for (a 2nd Ctrl-C leaves none stuck)
            lane.end(abandon=not finished)
        for lane in lanes:
            lane.join()
    for lane in lanes:
        lane.check()
    if timings_s is not None:
        timings_s["decode"] = decoder.busy_s
        timings_s.update({lane.signal.name: lane.busy_s for lane in lanes})
    if count == 0:
        raise MediaError("video stream holds no decodable frame")
    covered_until_s = last_t_s + 1.0 / rate_hz
    if (
        media.duration_s - covered_until_s > TRUNCATION_TOLERANCE_S
        and covered_until_s < TRUNCATION_MIN_COVERED_FRAC * media.duration_s
    ):
        raise MediaError(
            f"video data ends at {last_t_s:.1f} s of the {media.duration_s:.1f} s the header states "
            "(file truncated or corrupt)"
        )
    return VisualScan(
        samples=count, rate_hz=rate_hz, frame_width=size[0], frame_height=size[1], decoded_until_s=last_t_s
    )


class _Decoder:
    """The decoding thread of `scan_video`: yields `(t_s, [(signal index, image)], (w, h))` per sample.

    Iterate inside `with`: leaving it (normally, or on an exception in a signal) stops the thread
    and closes the file. A decoding error is raised to the iterating thread.
    """

    _END = object()

    def __init__(self, path: str | Path, rate_hz: float, max_side_px: int, wants: list[tuple[float, int]]):
        self._path, self._rate_hz, self._max_side_px, self._wants = path, rate_hz, max_side_px, wants
        self._queue: queue.Queue = queue.Queue(maxsize=DECODE_AHEAD_SAMPLES)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="vidscore-decode", daemon=True)
        self.busy_s = 0.0  # seconds the thread spent decoding and shrinking

    def __enter__(self) -> _Decoder:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        with contextlib.suppress(queue.Empty):  # unblock a thread waiting to hand over a sample
            while True:
                self._queue.get_nowait()
        self._thread.join()

    def __iter__(self):
        while True:
            item = self._queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _put(self, item) -> bool:
        """Hand `item` over, waiting while the signals are behind; False once told to stop."""
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        next_due_s = [0.0] * len(self._wants)
        started = time.perf_counter()
        try:
            for t_s, decoded in sample_decoded(self._path, rate_hz=self._rate_hz):
                images: dict[int, object] = {}  # one conversion per size, straight from the decoded frame
                due = []
                for i, (signal_rate_hz, side_px) in enumerate(self._wants):
                    if t_s + 0.5 / self._rate_hz < next_due_s[i]:
                        continue
                    period_s = 1.0 / signal_rate_hz
                    next_due_s[i] = (int(t_s / period_s + 1e-6) + 1) * period_s
                    if side_px not in images:
                        images[side_px] = upright_image(decoded, side_px)
                    due.append((i, images[side_px]))
                size = scaled_size(decoded.width, decoded.height, self._max_side_px)
                if (getattr(decoded, "rotation", 0) or 0) % 180:
                    size = size[::-1]
                self.busy_s += time.perf_counter() - started
                if not self._put((t_s, due, size)):
                    return
                started = time.perf_counter()
            self.busy_s += time.perf_counter() - started
            self._put(self._END)
        except BaseException as exc:  # noqa: BLE001 - handed to the iterating thread, which raises it
            self._put(exc)


class _Lane:
    """One signal's consumer thread: it consumes the frames fed to it in order, a few behind.

    The signals run side by side (OCR, face and product detection release the GIL in native code;
    OCR is held to its share of the cores), so the visual pass uses both cores once speech
    recognition, which finishes first, no longer needs one. A signal's exception is raised in the
    scanning thread.
    """

    _END = object()

    def __init__(self, signal: FrameSignal):
        self.signal = signal
        self.busy_s = 0.0  # seconds spent in the signal's consume
        self._error: BaseException | None = None
        self._abandoned = False
        self._queue: queue.Queue = queue.Queue(maxsize=LANE_AHEAD_SAMPLES)
        self._thread = threading.Thread(target=self._run, name=f"vidscore-{signal.name}", daemon=True)
        self._thread.start()

    def feed(self, frame: Frame) -> None:
        self.check()
        self._queue.put(frame)

    def end(self, abandon: bool = False) -> None:
        """No more frames: the thread consumes what it was fed (or, with `abandon`, drops it) and ends."""
        self._abandoned = abandon
        self._queue.put(self._END)

    def join(self) -> None:
        self._thread.join()

    def check(self) -> None:
        """Raise the signal's exception, if it raised one."""
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while True:
            frame = self._queue.get()
            if frame is self._END:
                return
            if self._error is not None or self._abandoned:
                continue  # dropping what is left
            started = time.perf_counter()
            try:
                self.signal.consume(frame)
            except BaseException as exc:  # noqa: BLE001 - raised in the scanning thread by check()
                self._error = exc
            self.busy_s += time.perf_counter() - started
