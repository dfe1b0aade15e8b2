"""Deposito use cases: plain functions over a Session (and a Recorder for writes).

They never commit; the request owns the transaction (central.kit.database).
"""
