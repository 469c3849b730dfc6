"""Encryption at rest, key rotation, generated secrets and the audit trail."""
