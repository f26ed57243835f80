"""Prometheus metrics at ``/metrics`` and one JSON access-log line per request.

Labels carry route templates, decisions, purposes and states: never an id, a path with an id,
or anything a customer typed.
"""

from confide.monitoring.metrics import Metrics
from confide.monitoring.middleware import RequestMetrics

__all__ = ["Metrics", "RequestMetrics"]
