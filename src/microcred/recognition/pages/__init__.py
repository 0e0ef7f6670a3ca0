"""The recognition stage's pages: cases, agreements and free electives, RPL."""
