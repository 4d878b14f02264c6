"""The `body` column of an object or part row: one body file id, or the ids and sizes of several files in order."""

from __future__ import annotations

import json


def encode_pieces(pieces: list[tuple[str, int]]) -> str:
    """The `body` column: a body id, or a JSON list of [id, size] for a body made of several files."""
    return pieces[0][0] if len(pieces) == 1 else json.dumps(pieces)


def decode_pieces(body: str, size: int) -> list[tuple[str, int]]:
    if body.startswith("["):
        return [(piece_id, n) for piece_id, n in json.loads(body)]
    return [(body, size)]


def body_ids(body: str) -> list[str]:
    return [piece_id for piece_id, _ in decode_pieces(body, 0)]
