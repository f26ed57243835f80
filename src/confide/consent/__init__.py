"""Consent and transparency: declared purposes, versioned privacy notices, per-purpose
consent records and signed consent receipts.

Kept light on purpose: ``confide.config`` imports ``confide.consent.purposes``, so this
package must not import the ORM or the web framework at import time.
"""
