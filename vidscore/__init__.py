"""vidscore: score short marketing videos (hook, product exposure, call to action) offline.

Library use::

    import vidscore
    result = vidscore.analyze("ad.mp4")          # VideoResult, never raises for a bad file
    print(result.media.width, result.transcript.text)
"""

__version__ = "0.1.0"

from vidscore.config import AnalyzeConfig  # noqa: E402
from vidscore.pipeline import analyze  # noqa: E402
from vidscore.result import VideoResult  # noqa: E402
from vidscore.signals.speech import SpeechSettings  # noqa: E402

__all__ = ["AnalyzeConfig", "SpeechSettings", "VideoResult", "__version__", "analyze"]
