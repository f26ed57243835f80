from confide.consent.errors import UnknownPurpose
from confide.vault.errors import PurposeNotPermitted


class ConsentRequired(PurposeNotPermitted):
    pass


class ProcessingRestricted(PurposeNotPermitted):
    pass


class ObjectionInForce(PurposeNotPermitted):
    pass


class HandoffRequired(PurposeNotPermitted):
    pass


__all__ = [
    "ConsentRequired",
    "HandoffRequired",
    "ObjectionInForce",
    "ProcessingRestricted",
    "PurposeNotPermitted",
    "UnknownPurpose",
]
