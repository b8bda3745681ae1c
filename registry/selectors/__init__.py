"""Reads with rules: what a reader may find and see, decided once for pages, API and admin."""
