"""Pressroom: policy briefs from Markdown and YAML to PDF, EPUB 3 and HTML.

The architecture in one place: :mod:`pressroom.build`.
"""

__version__ = "0.1.0"
