"""Criteria: the catalog, the phrase lexicon and the measures that turn signals into scores."""
