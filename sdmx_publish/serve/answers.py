"""Rendered data answers kept by one worker process, by ETag.

An answer's ETag is made of everything it depends on (release id, path, query parameters, media
type), and a release never changes once visible, so an answer stored under its ETag stays right
for as long as it is kept; a new release gives new ETags. Small answers only (the big ones are
streamed, never held whole), least recently used out first, bounded in bytes. A kept answer is
also kept gzip-compressed, so that sending it again costs no compression.
"""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict

from starlette.responses import Response

#: the largest answer kept (bytes); larger ones are rendered for each request
MAX_ANSWER_BYTES = 1 << 20
#: answers smaller than this are sent as they are (as the GZip middleware does)
GZIP_MIN_BYTES = 1024
#: as Starlette's GZip middleware, which compresses the answers that are not kept
GZIP_LEVEL = 9


class Kept:
    """One kept answer, and its gzip encoding made once, on the first request that accepts it."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self._gzipped: bytes | None = None

    def gzipped(self) -> bytes:
        if self._gzipped is None:  # two threads may both compress it: the same bytes either way
            self._gzipped = gzip.compress(self.body, compresslevel=GZIP_LEVEL, mtime=0)
        return self._gzipped


class Answers:
    """A bounded LRU map ETag -> kept answer, safe to use from the server's worker threads (the
    bound counts the answers' bytes; their gzip copies add about a tenth)."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, Kept] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, tag: str) -> Kept | None:
        with self._lock:
            body = self._items.get(tag)
            if body is not None:
                self._items.move_to_end(tag)
            return body

    def put(self, tag: str, body: bytes) -> Kept:
        """Keep ``body`` (unless it is too large); the kept answer either way."""
        kept = Kept(body)
        if len(body) > min(MAX_ANSWER_BYTES, self.max_bytes):
            return kept
        with self._lock:
            old = self._items.pop(tag, None)
            self._bytes -= len(old.body) if old is not None else 0
            self._items[tag] = kept
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped.body)
        return kept

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)


def kept_response(kept: Kept, accept_encoding: str, media_type: str, headers: dict[str, str]) -> Response:
    """The kept answer, gzip-encoded when the client accepts it (the GZip middleware passes an answer
    that already has a Content-Encoding through unchanged)."""
    if "gzip" in accept_encoding and len(kept.body) >= GZIP_MIN_BYTES:
        return Response(kept.gzipped(), media_type=media_type, headers=headers | {"Content-Encoding": "gzip"})
    return Response(kept.body, media_type=media_type, headers=headers)
