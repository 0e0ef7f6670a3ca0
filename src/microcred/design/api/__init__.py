"""The design stage's JSON routes: specifications and editions, the public catalogue."""
