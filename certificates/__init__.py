"""Certificates: programmes, issuance, PDF, public verification, Open Badges, revocation."""
