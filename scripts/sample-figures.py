#!/usr/bin/env python3
"""Draw the figures of the sample brief (source/sample-brief-corridors/images/).

The numbers are illustrative, invented for the sample. Run it again after changing
them; the outputs are committed so that a build needs nothing but the sources.
    python3 scripts/sample-figures.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "source" / "sample-brief-corridors" / "images"
FONTS = ROOT / "styles" / "fonts"

#: Illustrative freight volumes (million tonnes a year) by route, as in the sample's table.
VOLUMES = [("Caspian ferries", 4.2), ("Rail via Georgia", 6.8), ("Pipelines (crude)", 31.5),
           ("Road via Türkiye", 2.9)]
INK, ACCENT, RULE = "#1d2733", "#1f5c99", "#c8ced6"


def bar_chart() -> str:
    width, left, bar, gap, top = 640, 170, 34, 18, 40
    scale = (width - left - 60) / 35
    height = top + len(VOLUMES) * (bar + gap) + 36
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" height="{height}" role="img" aria-labelledby="t">',
           '<title id="t">Illustrative freight volumes by route, million tonnes a year</title>',
           f'<g font-family="Source Sans 3, DejaVu Sans, sans-serif" font-size="15" fill="{INK}">']
    for tick in range(0, 36, 5):
        x = left + tick * scale
        out.append(f'<line x1="{x:.1f}" y1="{top - 8}" x2="{x:.1f}" y2="{height - 30}" '
                   f'stroke="{RULE}" stroke-width="1"/>')
        out.append(f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{tick}</text>')
    for i, (label, value) in enumerate(VOLUMES):
        y = top + i * (bar + gap)
        out.append(f'<text x="{left - 10}" y="{y + bar * 0.68:.1f}" text-anchor="end">{label}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{value * scale:.1f}" height="{bar}" fill="{ACCENT}"/>')
        out.append(f'<text x="{left + value * scale + 6:.1f}" y="{y + bar * 0.68:.1f}">{value}</text>')
    out += ["</g>", "</svg>", ""]
    return "\n".join(out)


def corridor_map(scale: float = 1.5) -> Image.Image:
    """A schematic (not to scale) of the corridor: four cities on a line, with the Caspian crossing.
    Drawn on a 1200 × 440 grid, at ``scale`` pixels a unit: 1800 px wide, over 300 ppi at the
    column's width in print (134 mm)."""
    def u(*values):
        return tuple(round(v * scale) for v in values)

    image = Image.new("RGB", u(1200, 440), "white")
    draw = ImageDraw.Draw(image)
    regular = ImageFont.truetype(str(FONTS / "SourceSans3-Regular.ttf"), *u(34))
    bold = ImageFont.truetype(str(FONTS / "SourceSans3-Bold.ttf"), *u(38))
    stops = [("Aktau", 120, "ferry"), ("Baku", 430, "rail"), ("Tbilisi", 740, "rail"), ("Kars", 1060, None)]
    draw.rectangle(u(150, 90, 400, 330), fill="#dbe8f5")  # the Caspian Sea, schematically
    draw.text(u(275, 300), "Caspian Sea", font=regular, fill=ACCENT, anchor="mm")
    for (name, x, mode), nxt in zip(stops, stops[1:] + [None]):
        if nxt:
            dash = mode == "ferry"
            if dash:
                for start in range(x, nxt[1], 28):
                    draw.line(u(start, 200, min(start + 16, nxt[1]), 200), fill=INK, width=u(8)[0])
            else:
                draw.line(u(x, 200, nxt[1], 200), fill=INK, width=u(8)[0])
            draw.text(u((x + nxt[1]) / 2, 160), mode, font=regular, fill=INK, anchor="mm")
        draw.ellipse(u(x - 22, 178, x + 22, 222), fill="white", outline=ACCENT, width=u(8)[0])
        draw.text(u(x, 262), name, font=bold, fill=INK, anchor="mm")
    draw.text(u(600, 400), "Schematic, not to scale", font=regular, fill="#5b6675", anchor="mm")
    return image


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "freight-by-route.svg").write_text(bar_chart(), encoding="utf-8")
    corridor_map().save(OUT / "corridor.png", optimize=True)
    print(f"wrote {OUT.relative_to(ROOT)}/freight-by-route.svg and corridor.png")
