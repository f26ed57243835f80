"""Who may read ``/metrics``: clients from the allowed networks, with the token when one is set."""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address

from pydantic import SecretStr

from confide.monitoring.errors import AddressNotAllowed, InvalidMetricsToken

Network = IPv4Network | IPv6Network


def authorize_scrape(
    host: str | None,
    token: str | None,
    *,
    allow: Iterable[Network],
    expected_token: SecretStr | None,
) -> None:
    """Raise AddressNotAllowed (403) or InvalidMetricsToken (401) unless this scrape may run."""
    if not address_allowed(host, allow):
        raise AddressNotAllowed(
            "metrics are not served to this address (see CONFIDE_METRICS_ALLOW)"
        )
    if expected_token is not None and not token_matches(token, expected_token):
        raise InvalidMetricsToken("metrics need 'Authorization: Bearer' with the metrics token")


def address_allowed(host: str | None, allow: Iterable[Network]) -> bool:
    """Whether ``host`` is an IP address inside one of ``allow``; a name never is."""
    try:
        address = ip_address(host or "")
    except ValueError:
        return False
    if isinstance(address, IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # an IPv4 client of a dual-stack socket
    return any(address in network for network in allow)


def token_matches(token: str | None, expected: SecretStr) -> bool:
    presented = (token or "").encode("utf-8")
    wanted = expected.get_secret_value().encode("utf-8")
    return bool(wanted) and hmac.compare_digest(presented, wanted)
