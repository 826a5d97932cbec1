"""Signed checkpoints of the audit chain, kept outside the database: the sequence number and hash of the
chain's last entry at a moment, signed with the audit key. ``credere audit verify`` checks the chain against
each one, so that a trail rewritten in the database — even by someone who also rewrote every hash and the
chain head — no longer matches what was written down outside it."""

from __future__ import annotations

import hmac
import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from credere.audit.models import AuditChainHead, AuditEvent
from credere.audit.services import actor_name, audit_keys, record
from credere.domain import audit_chain
from credere.domain.audit_chain import ChainProblem

#: A checkpoint file's name: its sequence number, so that the files sort in the chain's order.
PATTERN = "audit-checkpoint-*.json"


def checkpoint_dir() -> Path:
    return Path(settings.CREDERE_AUDIT_CHECKPOINT_DIR)


def write_checkpoint(*, actor: Any) -> tuple[dict[str, Any], Path]:
    """Write a signed checkpoint of the chain as it is now to the checkpoint directory (and mail it to
    ``CREDERE_AUDIT_CHECKPOINT_EMAIL`` when set); the writing is itself audited."""
    head = AuditChainHead.objects.filter(pk=1).first()
    checkpoint: dict[str, Any] = {
        "format": "credere-audit-checkpoint/1",
        "seq": head.last_seq if head else 0,
        "hash": (head.last_hash or audit_chain.GENESIS) if head else audit_chain.GENESIS,
        "written_at": timezone.now().isoformat(timespec="seconds"),
        "by": actor_name(actor),
    }
    checkpoint["signature"] = audit_chain.checkpoint_signature(checkpoint, audit_keys()[0])
    folder = checkpoint_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-checkpoint-{checkpoint['seq']:012d}-{timezone.now():%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(checkpoint, indent=2) + "\n", encoding="utf-8")
    if settings.CREDERE_AUDIT_CHECKPOINT_EMAIL:
        message = EmailMessage(
            subject=f"Credere audit checkpoint: entry #{checkpoint['seq']}",
            body=("The audit trail's checkpoint is attached. Keep it: 'credere audit verify' checks the trail "
                  "against the checkpoints in its checkpoint directory; copy this one there to check against it."),
            to=settings.CREDERE_AUDIT_CHECKPOINT_EMAIL)
        message.attach(path.name, path.read_text(encoding="utf-8"), "application/json")
        message.send()
    record(actor=actor, action="audit.checkpoint_written", object_type="audit.checkpoint",
           object_id=str(checkpoint["seq"]), object_repr=path.name,
           after={"seq": checkpoint["seq"], "hash": checkpoint["hash"], "file": str(path)})
    return checkpoint, path


def check_checkpoints() -> list[ChainProblem]:
    """Every checkpoint in the checkpoint directory, against the chain in the database: its signature with
    the audit keys, then the entry it names (present, with the same hash)."""
    problems: list[ChainProblem] = []
    folder = checkpoint_dir()
    if not folder.is_dir():
        return problems
    keys = audit_keys()[1]
    last = AuditChainHead.objects.filter(pk=1).values_list("last_seq", flat=True).first() or 0
    for path in sorted(folder.glob(PATTERN)):
        try:
            checkpoint = json.loads(path.read_text(encoding="utf-8"))
            seq, digest, signature = int(checkpoint["seq"]), str(checkpoint["hash"]), str(checkpoint["signature"])
        except (OSError, ValueError, KeyError, TypeError):
            problems.append(ChainProblem(0, "checkpoint_unreadable", f"{path.name} is not a checkpoint"))
            continue
        if not any(hmac.compare_digest(audit_chain.checkpoint_signature(checkpoint, key), signature) for key in keys):
            problems.append(ChainProblem(seq, "checkpoint_forged",
                                         f"{path.name} is not signed with the audit key: it was not written by Credere"))
            continue
        if seq == 0:
            continue
        stored = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if stored is None or seq > last:
            problems.append(ChainProblem(seq, "checkpoint_missing",
                                         f"{path.name} vouches for entry #{seq}, which the trail no longer has: "
                                         "entries were deleted"))
        elif stored != digest:
            problems.append(ChainProblem(seq, "checkpoint_mismatch",
                                         f"entry #{seq} is not the one {path.name} vouches for: the trail was "
                                         "rewritten up to there"))
    return problems


def checkpoints_count() -> int:
    folder = checkpoint_dir()
    return len(list(folder.glob(PATTERN))) if folder.is_dir() else 0
