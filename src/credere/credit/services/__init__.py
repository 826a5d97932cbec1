"""Writes of credit control: the policy, risk classes and limits (through approvals), orders and
their credit checks with the holds' release or rejection. Each authorises, locks, audits."""
