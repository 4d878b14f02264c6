"""The thin prompt_toolkit side of completion: a Completer over completion.complete() and a Lister
that fetches one page per level through OssClient. Run it wrapped in ThreadedCompleter.
"""
from __future__ import annotations

from prompt_toolkit.completion import Completer, Completion

from .completion import Listing, complete
from .state import Context

PAGE = 1000   # entries fetched per level and keystroke at most


class ClientLister:
    def __init__(self, ctx: Context, page: int = PAGE):
        self.ctx = ctx
        self.page = page

    def children(self, bucket: str, prefix: str, level: str) -> Listing:
        page = self.ctx.client.list_objects(bucket, prefix=prefix, delimiter="/", max_keys=self.page)
        names = [p[len(level):] for p in page.prefixes]
        names += [o.key[len(level):] for o in page.objects if o.key != level]
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
            yield Completion(s.text, start_position=s.start, display=s.display, display_meta=s.meta)
