"""Checks of a brief and of its outputs: lint, verification, tags, glyphs, accessibility."""
