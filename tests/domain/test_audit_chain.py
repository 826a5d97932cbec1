from credere.domain.audit_chain import GENESIS, seal, verify


def _chain(n):
    entries, prev = [], GENESIS
    for i in range(1, n + 1):
        e = {"seq": i, "occurred_at": f"2026-01-0{i}T00:00:00+00:00", "actor": "alice", "action": "x.changed",
             "object_type": "ledger.customer", "object_id": str(i), "object_repr": f"C{i}", "before": {"a": 1},
             "after": {"a": 2}, "reason": ""}
        e["prev_hash"], e["hash"] = prev, seal(prev, e)
        prev = e["hash"]
        entries.append(e)
    return entries


def test_intact_chain_verifies():
    entries = _chain(5)
    assert verify(entries, head_seq=5, head_hash=entries[-1]["hash"]) == (5, [])


def test_edit_is_detected():
    entries = _chain(5)
    entries[2]["after"] = {"a": 3}
    _, problems = verify(entries)
    assert [(p.seq, p.code) for p in problems] == [(3, "edited")]


def test_deletion_and_insertion_are_detected():
    entries = _chain(5)
    del entries[1]
    _, problems = verify(entries)
    assert {p.code for p in problems} == {"sequence_gap", "inserted_or_deleted"}
    entries = _chain(5)
    tail_cut = entries[:4]
    _, problems = verify(tail_cut, head_seq=5, head_hash=entries[-1]["hash"])
    assert [p.code for p in problems] == ["head_mismatch"]
