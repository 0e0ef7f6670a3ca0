"""The design stage's pages: specifications and editions, the public catalogue."""
