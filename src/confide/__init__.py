"""Confide: a self-hostable, privacy-first AI customer-service assistant."""

__version__ = "0.1.0"
