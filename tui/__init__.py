"""Porting Alpha: tactical asset allocation through crypto futures."""

__version__ = "0.1.0"
