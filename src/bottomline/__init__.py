"""bottomline."""
