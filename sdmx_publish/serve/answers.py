"""Rendered data answers kept by one worker process, by ETag.

An answer's ETag is made of everything it depends on (release id, path, query parameters, media
type), and a release never changes once visible, so an answer stored under its ETag stays right
for as long as it is kept; a new release gives new ETags. Small answers only (the big ones are
streamed, never held whole), least recently used out first, bounded in bytes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

#: the largest answer kept (bytes); larger ones are rendered for each request
MAX_ANSWER_BYTES = 1 << 20


class Answers:
    """A bounded LRU map ETag -> body, safe to use from the server's worker threads."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, tag: str) -> bytes | None:
        with self._lock:
            body = self._items.get(tag)
            if body is not None:
                self._items.move_to_end(tag)
            return body

    def put(self, tag: str, body: bytes) -> None:
        if len(body) > min(MAX_ANSWER_BYTES, self.max_bytes):
            return
        with self._lock:
            old = self._items.pop(tag, None)
            self._bytes -= len(old) if old is not None else 0
            self._items[tag] = body
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= len(dropped)

    @property
    def size(self) -> int:
        """Bytes held."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
