"""Modal screens: confirm orders, edit a holding, pick a file."""
