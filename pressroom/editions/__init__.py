"""One module per edition; each turns the model into bytes and imports only what it needs.

The registry maps an edition's name to the module that renders it, so a new
edition is one entry here.
"""

EDITIONS = ("pdf", "epub", "html")

#: The PDF profiles: the page of the edition tree each is laid out from, and the stylesheets
#: it adds to the print sheets. Here, not in html.py, so that the PDF worker and the command
#: line can name them without importing the HTML edition (Markdown, Jinja).
PAGES = {"screen": ("print.html", []), "print": ("print-profile.html", ["press.css"])}
