"""Data-subject rights (GDPR Articles 15 to 22): access and portability, rectification,
erasure, restriction and objection, with a request queue and identity verification.

Light on purpose: ``confide.conversations.service`` imports ``confide.rights.flags``, so
this package imports nothing at import time. The service functions other features call
(``describe_subject``, ``export_subject``, ``erase_subject``) live in
``confide.rights.service``.
"""
