"""The thin prompt_toolkit side of completion: a Completer over completion.complete() and a Lister
that fetches one page per level through OssClient. Run it wrapped in ThreadedCompleter.

A completion inserts the exact name, quoted (completion.complete), but the menu shows it through
render.printable(): a listed key may hold escape sequences or bidi overrides. EscapedInput shows the
input line the same way (prompt_toolkit itself draws only C0 and C1 controls visibly, as ^[ and <9b>).
"""

from __future__ import annotations

import bisect

from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.formatted_text import fragment_list_to_text
from prompt_toolkit.layout.processors import Processor, Transformation, TransformationInput
from prompt_toolkit.layout.utils import explode_text_fragments

from .completion import Listing, complete
from .render import printable
from .state import Context

PAGE = 1000  # entries fetched per level and keystroke at most


class ClientLister:
    def __init__(self, ctx: Context, page: int = PAGE):
        self.ctx = ctx
        self.page = page

    def children(self, bucket: str, prefix: str, level: str) -> Listing:
        page = self.ctx.client.list_objects(bucket, prefix=prefix, delimiter="/", max_keys=self.page)
        names = [p[len(level) :] for p in page.prefixes]
        names += [o.key[len(level) :] for o in page.objects if o.key != level]
        return Listing(sorted(names), page.is_truncated)

    def buckets(self) -> Listing:
        page = self.ctx.client.list_buckets(max_keys=self.page)
        return Listing([b.name for b in page.buckets], page.is_truncated)

    def upload_ids(self, bucket: str, key: str) -> Listing:
        page = self.ctx.client.list_multipart_uploads(bucket, prefix=key, max_uploads=self.page)
        return Listing([u.upload_id for u in page.uploads if u.key == key], page.is_truncated)


class ShellCompleter(Completer):
    def __init__(self, ctx: Context, budget: int = 2):
        self.ctx = ctx
        self.budget = budget

    def get_completions(self, document, complete_event):
        try:
            found = complete(document.text_before_cursor, self.ctx.state, self.ctx.cache, budget=self.budget)
        except Exception:  # a failed listing (network, permissions) simply offers nothing
            return
        for s in found:
            yield Completion(
                s.text, start_position=s.start, display=printable(s.display), display_meta=printable(s.meta)
            )


class EscapedInput(Processor):
    """Shows the input line with render.printable()'s escapes; the cursor moves over an escape as over one
    character, and the buffer keeps the exact text."""

    def apply_transformation(self, ti: TransformationInput) -> Transformation:
        if fragment_list_to_text(ti.fragments).isprintable():
            return Transformation(ti.fragments)
        chars = explode_text_fragments(ti.fragments)
        out, starts = [], []  # starts[i]: where source character i begins on the screen
        pos = 0
        for style, char, *handler in chars:
            shown = printable(char, backslash=False)
            starts.append(pos)
            out.append((style + (" class:control-character" if shown != char else ""), shown, *handler))
            pos += len(shown)
        starts.append(pos)

        def source_to_display(i: int) -> int:
            return starts[i] if i < len(starts) else pos + i - len(chars)

        def display_to_source(d: int) -> int:
            return max(0, bisect.bisect_right(starts, d) - 1) if d <= pos else len(chars) + d - pos

        return Transformation(out, source_to_display, display_to_source)
