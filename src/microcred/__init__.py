"""microcred: the whole life of a micro-credential."""

__version__ = "0.1.0"
