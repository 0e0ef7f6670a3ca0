"""The cryptographic core: keys, identifiers, the offline JSON-LD loader, canonicalization and proofs.

A library with no database and no network: it imports nothing from the rest of microcred.
"""


class TrustError(ValueError):
    """A document, key or proof that cannot be processed; the message says what is wrong."""


def depth(value: object, limit: int) -> int:
    """How deeply JSON data is nested (an object or list in a list is 2), counted no further than `limit` + 1:
    without recursion, so hostile nesting costs a walk and no stack."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > limit:
            break
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, level + 1) for child in children)
    return deepest
