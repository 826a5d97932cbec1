"""Cash matching: propose, for each incoming payment, the open items it pays.

Pure domain code: frozen values in (:class:`OpenItem`, :class:`Payment`,
:class:`MatchingPolicy`), proposals out (:class:`Proposal`), each with a confidence and
machine-readable reason codes. See ``docs/cash-matching.md``.
"""

from credere.domain.matching.engine import match_batch
from credere.domain.matching.policy import MatchingPolicy
from credere.domain.matching.values import Link, OpenItem, Payment, Proposal

__all__ = ["Link", "MatchingPolicy", "OpenItem", "Payment", "Proposal", "match_batch"]
