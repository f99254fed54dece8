"""Releases: the publish gate, the release folder, page stability, the catalogue."""
