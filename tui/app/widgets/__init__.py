"""The app's panes and widgets; each owns its DEFAULT_CSS and its messages."""
