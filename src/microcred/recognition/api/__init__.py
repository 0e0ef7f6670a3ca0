"""The recognition stage's JSON routes: cases, agreements and free electives, RPL."""
