"""Footnotes measured in linear time, not quadratic: the same pages, byte for byte.

Each time a line with a footnote call is laid out, WeasyPrint measures the page's footnote area
again to know how much room the text has left (``LayoutContext._update_footnote_area``): it
copies the area with every footnote called so far on the page and lays all of them out, then
keeps only the area's height and whether its last note overflows. A page with k notes lays out
k(k+1)/2 notes; the first brief with 60 citations spends 0.95 s of its 1.8 s layout there.

A note laid out at the same place as before lays out the same way: the same element, at the same
position in an area of the same size, after the same margins, on the same page, beside the same
floats. So while the area is measured, each note's layout is remembered by those inputs, and a
note met again at the same place is given a copy of what it gave before; only the new note is
laid out. The memory lasts one page's footnote area (WeasyPrint makes a new area for each page,
and a page laid out again may have different notes), and a note whose layout did more than lay
itself out (placed a float, an absolutely positioned box, a footnote of its own) is never
remembered. The pages' own footnote areas, the ones drawn, are laid out as WeasyPrint does.
"""

from __future__ import annotations


def install() -> None:
    """Wrap WeasyPrint's footnote-area measure and block-level layout (once)."""
    from weasyprint.layout import LayoutContext, block

    if getattr(LayoutContext, "_pressroom_notes", False):
        return
    LayoutContext._update_footnote_area = _measuring(LayoutContext._update_footnote_area)
    block.block_level_layout = _remembering(block.block_level_layout)
    LayoutContext._pressroom_notes = True


def _measuring(update):
    def measure(self):
        area = self.current_footnote_area
        kept = self.__dict__.get("_pressroom_kept")
        if kept is None or kept[0] is not area:  # a new page: nothing laid out on it yet
            kept = self.__dict__["_pressroom_kept"] = (area, {})
        notes = {(id(note.element), note.element_tag) for note in self.current_page_footnotes}
        self.__dict__["_pressroom_measuring"] = (kept[1], notes)
        try:
            return update(self)
        finally:
            self.__dict__["_pressroom_measuring"] = None

    return measure


def _shapes(context) -> tuple:
    return tuple((s.position_x, s.position_y, s.margin_width(), s.margin_height(), s.style["float"])
                 for s in context.excluded_shapes)


def place(context, box, containing_block, bottom_space, page_is_empty, adjoining_margins, discard,
          max_lines) -> tuple:
    """Everything a note's layout in the footnote area depends on: the note, where it is put,
    the area, the page and the floats beside it."""
    return (box.element, box.element_tag, type(box), box.position_x, box.position_y,
            tuple(adjoining_margins), page_is_empty, bottom_space, discard, max_lines,
            containing_block.width, containing_block.height, containing_block.content_box_x(),
            context.current_page, context.forced_break, context.in_column, _shapes(context))


def _effects(context, absolute_boxes, fixed_boxes) -> tuple:
    """What a layout could leave behind besides the box it returns."""
    return (len(context.excluded_shapes), len(absolute_boxes), len(fixed_boxes), len(context.footnotes),
            len(context.current_page_footnotes), len(context.reported_footnotes),
            len(context.broken_out_of_flow))


def _remembering(layout):
    from weasyprint.formatting_structure.boxes import FootnoteAreaBox

    def block_level_layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty=True,
                           absolute_boxes=None, fixed_boxes=None, adjoining_margins=None,
                           first_letter_style=None, first_line_style=None, discard=False, max_lines=None):
        measuring = context.__dict__.get("_pressroom_measuring")
        if (measuring is None or skip_stack is not None or first_letter_style is not None
                or first_line_style is not None or not isinstance(containing_block, FootnoteAreaBox)
                or box.element is None or (id(box.element), box.element_tag) not in measuring[1]):
            return layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                          absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                          first_line_style, discard, max_lines)
        memo = measuring[0]
        absolute_boxes = [] if absolute_boxes is None else absolute_boxes
        fixed_boxes = [] if fixed_boxes is None else fixed_boxes
        adjoining_margins = [] if adjoining_margins is None else adjoining_margins
        key = place(context, box, containing_block, bottom_space, page_is_empty, adjoining_margins,
                    discard, max_lines)
        kept = memo.get(key)
        if kept:
            new_box, next_page, margins, given, same, collapsing, lines = kept
            adjoining_margins[:] = given  # the layout appends to the list it is given
            return (new_box.deepcopy(), None, dict(next_page),
                    adjoining_margins if same else list(margins), collapsing, lines)
        before = _effects(context, absolute_boxes, fixed_boxes)
        result = layout(context, box, bottom_space, skip_stack, containing_block, page_is_empty,
                        absolute_boxes, fixed_boxes, adjoining_margins, first_letter_style,
                        first_line_style, discard, max_lines)
        new_box, resume_at, next_page, margins, collapsing, lines = result
        if (kept is None and new_box is not None and resume_at is None
                and before == _effects(context, absolute_boxes, fixed_boxes)):
            memo[key] = (new_box.deepcopy(), dict(next_page), list(margins), list(adjoining_margins),
                         margins is adjoining_margins, collapsing, lines)
        else:
            memo[key] = False  # never remembered: laid out afresh each time
        return result

    return block_level_layout
