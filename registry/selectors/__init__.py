"""Read rules that decide what a record means or who may see it."""
