"""One module per edition; each turns the model into bytes and imports only what it needs.

The registry maps an edition's name to the module that renders it, so a new
edition is one entry here.
"""

EDITIONS = ("pdf", "epub", "html")
