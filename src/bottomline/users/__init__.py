"""Users and the acting user (actor) every write takes: role and region scope."""
