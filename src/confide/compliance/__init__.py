"""Compliance documents generated from configuration (GDPR Article 30 records)."""
