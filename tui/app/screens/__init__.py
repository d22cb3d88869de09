"""The app's screens: the main screen and what its keys do."""
