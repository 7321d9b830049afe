"""Map character offsets of a transformed text (e.g. cleaned) back onto the original text."""

from __future__ import annotations

from difflib import SequenceMatcher

__all__ = ["CharAlignment"]


class CharAlignment:
    """Offsets in ``target`` → offsets in ``source`` via ``difflib`` matching blocks.

    A span maps when both of its ends fall inside (or on the edge of) equal blocks;
    spans whose ends lie in changed text map to the nearest block edge, which can
    make a prediction wrong under strict matching — that is the honest outcome.
    """

    def __init__(self, source: str, target: str) -> None:
        self.identical = source == target
        self._start: list[int] = []
        self._end: list[int] = []
        if self.identical:
            return
        matcher = SequenceMatcher(None, source, target, autojunk=False)
        start_map = [-1] * (len(target) + 1)
        end_map = [-1] * (len(target) + 1)
        for a, b, size in matcher.get_matching_blocks():
            for k in range(size):
                start_map[b + k] = a + k
                end_map[b + k + 1] = a + k + 1
        # fill gaps: starts take the next mapped position, ends the previous one
        nxt = len(source)
        for i in range(len(target), -1, -1):
            if start_map[i] == -1:
                start_map[i] = nxt
            else:
                nxt = start_map[i]
        prev = 0
        for i in range(len(target) + 1):
            if end_map[i] == -1:
                end_map[i] = prev
            else:
                prev = end_map[i]
        self._start, self._end = start_map, end_map

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source offsets of the target span ``[start, end)``."""
        if self.identical:
            return start, end
        return self._start[start], self._end[end]
