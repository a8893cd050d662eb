"""Reports: the same results rendered for people (terminal) and for programs (JSON, CSV)."""
