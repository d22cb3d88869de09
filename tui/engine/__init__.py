"""Venues through ccxt: markets, quotes, funding, orders, feed loops, execution."""
