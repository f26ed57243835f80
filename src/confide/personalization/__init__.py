"""Personalisation: a customer's profile, sealed under their data key, used to tailor replies
only while they consent to ``personalization``."""
