"""The policy layer: may purpose P read subject S's data now?

``rules`` holds the decision as a pure function of the purpose's legal basis, the latest
consent decision and the rights flags (restriction, objection); ``service.Policy`` reads
that state from the database and raises a ``PurposeNotPermitted`` error (403) when the
answer is no. The vault asks it before every read for a purpose other than service.
"""
