"""The cryptographic core: keys, identifiers, the offline JSON-LD loader, canonicalization and proofs.

A library with no database and no network: it imports nothing from the rest of microcred.
"""


class TrustError(ValueError):
    """A document, key or proof that cannot be processed; the message says what is wrong."""
