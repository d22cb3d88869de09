"""The polars state store and its persistence."""
