"""Reads of cash application, one answer for the pages, the API and the services.

Nothing here writes. The policy in force and its history are read in
:mod:`credere.cashapp.policies` (the policy as stored data).
"""
