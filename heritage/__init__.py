"""Project package of the heritage damage registry (settings, URLs, entry points)."""
