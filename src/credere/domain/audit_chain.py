"""Hash chain of audit events: pure functions to seal and verify entries."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
SEALED_FIELDS = (
    "seq", "occurred_at", "actor", "action", "object_type", "object_id",
    "object_repr", "before", "after", "reason",
)


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def seal(prev_hash: str, entry: Mapping[str, Any], key: bytes | None = None) -> str:
    """The hash of an entry over the previous hash and the entry's sealed fields: HMAC-SHA-256 with ``key``
    (the audit key, held outside the database), or plain SHA-256 (entries written before keyed sealing)."""
    message = (prev_hash + "\n" + canonical({k: entry[k] for k in SEALED_FIELDS})).encode("utf-8")
    if key is not None:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


def checkpoint_signature(checkpoint: Mapping[str, Any], key: bytes) -> str:
    """The signature of a checkpoint (its fields other than the signature), with the audit key."""
    body = canonical({k: v for k, v in checkpoint.items() if k != "signature"})
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class ChainProblem:
    seq: int
    code: str  # edited | forged | inserted_or_deleted | sequence_gap | head_mismatch | checkpoint_*
    message: str


def verify(entries: Iterable[Mapping[str, Any]], *, head_seq: int | None = None,
           head_hash: str | None = None, keys: Sequence[bytes] = ()) -> tuple[int, list[ChainProblem]]:
    """Check entries (in ``seq`` order; each has the sealed fields, ``prev_hash``, ``hash``).

    Returns the number of entries checked and the problems found: an entry whose content
    no longer matches its hash was edited; an entry whose ``prev_hash`` does not match its
    predecessor's hash, or a gap in sequence numbers, means entries were inserted or
    deleted; a last entry that differs from the recorded chain head means the tail was cut.

    With ``keys`` (the audit key and those it replaced), an entry must be sealed with one of them: an
    entry sealed without a key is accepted only before the first keyed one (a trail begun before keyed
    sealing); after it, such an entry was rewritten by someone who does not hold the key ("forged").
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    count = 0
    keyed = False
    last_seq, last_hash = 0, GENESIS
    for e in entries:
        count += 1
        seq = int(e["seq"])
        if seq != expected_seq:
            problems.append(ChainProblem(seq, "sequence_gap",
                                         f"expected entry #{expected_seq}, found #{seq}: entries were deleted or inserted"))
        if e["prev_hash"] != expected_prev:
            problems.append(ChainProblem(seq, "inserted_or_deleted",
                                         f"entry #{seq} does not follow the entry before it"))
        if any(hmac.compare_digest(seal(e["prev_hash"], e, key), e["hash"]) for key in keys):
            keyed = True
        elif seal(e["prev_hash"], e) == e["hash"]:
            if keys and keyed:
                problems.append(ChainProblem(seq, "forged", f"entry #{seq} is not sealed with the audit key, as "
                                                            "every entry after keyed sealing began is: it was "
                                                            "rewritten by someone without the key"))
        else:
            problems.append(ChainProblem(seq, "edited", f"entry #{seq} was changed after it was written"))
        expected_prev = e["hash"]
        expected_seq = seq + 1
        last_seq, last_hash = seq, e["hash"]
    if head_seq is not None and (head_seq != last_seq or (head_hash is not None and head_hash != last_hash)):
        problems.append(ChainProblem(last_seq, "head_mismatch",
                                     f"the chain ends at #{last_seq} but #{head_seq} was the last entry written: entries were deleted"))
    return count, problems
