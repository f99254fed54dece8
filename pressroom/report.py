"""What `invoke build` prints: one progress line per brief, then a summary table (text only)."""

from __future__ import annotations

from pressroom import editions
from pressroom.build import BriefReport, Result


def size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit in ("B", "KiB", "MiB"):
        if n < 1024 or unit == "MiB":
            return f"{n:,.0f} {unit}" if unit != "MiB" else f"{n:,.1f} {unit}"
        n /= 1024
    return ""


def name(report: BriefReport) -> str:
    return report.slug or report.location.name


def progress_line(report: BriefReport) -> str:
    """``slug: made pdf (12 pages, 46 KiB), epub (1.2 MiB) in 1.10 s; html up to date``."""
    if report.failure:
        n = len(report.failure.problems)
        return f"{name(report)}: failed, {n} problem{'s' * (n != 1)} (listed below)"
    made = [o for o in report.outputs if not o.skipped]
    kept = [o.edition for o in report.outputs if o.skipped]
    if not made:
        return f"{name(report)}: up to date, skipped ({', '.join(kept)})"
    parts = []
    for o in made:
        detail = f"{o.pages} pages, {size(o.size)}" if o.pages else size(o.size)
        parts.append(f"{o.edition} ({detail})")
    line = f"{name(report)}: made {', '.join(parts)} in {report.seconds:.2f} s"
    if kept:
        line += f"; {', '.join(kept)} up to date"
    return line


def table(result: Result) -> str:
    """Editions made and skipped, pages, sizes, time and warnings of every brief, and a total."""
    columns = [e for e in editions.REGISTRY.values() if e.column]
    header = ("brief", "made", "skipped", "pages", *(e.column for e in columns), "time", "warnings")
    rows = []
    for r in result.briefs:
        by = {o.edition: o for o in r.outputs}
        pdf = by.get("pdf")
        rows.append((name(r), str(sum(not o.skipped for o in r.outputs)),
                     str(sum(o.skipped for o in r.outputs)) if not r.failure else "failed",
                     str(pdf.pages) if pdf and pdf.pages else "-",
                     *(size(by[e.name].size) if e.name in by else "-" for e in columns),
                     f"{r.seconds:.2f} s", str(len(r.warnings))))
    made = sum(not o.skipped for o in result.outputs)
    total = ("total", str(made), str(len(result.outputs) - made), "", *("" for _ in columns),
             f"{result.seconds:.2f} s", str(len(result.warnings)))  # wall time, not a sum
    widths = [max(len(row[i]) for row in (header, *rows, total)) for i in range(len(header))]

    def line(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))

    rule = "-" * len(line(header))
    return "\n".join([line(header), rule, *map(line, rows), rule, line(total)])
