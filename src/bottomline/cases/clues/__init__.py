"""Screening clues (线索): the county's queue, dispatch for verification, dismissal, export."""
