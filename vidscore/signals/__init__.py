"""Signals: timestamped tracks extracted from a video, one module per signal, no scoring opinions."""
