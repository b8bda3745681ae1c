"""Spreadsheet imports and exports: columns, files, templates and the background steps."""
