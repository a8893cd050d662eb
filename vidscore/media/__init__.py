"""Media layer: probe a file, sample its frames sequentially, decode its audio."""

from vidscore.media.audio import AUDIO_SAMPLE_RATE, load_audio
from vidscore.media.frames import Frame, sample_frames
from vidscore.media.probe import MediaInfo, probe

__all__ = ["AUDIO_SAMPLE_RATE", "Frame", "MediaInfo", "load_audio", "probe", "sample_frames"]
