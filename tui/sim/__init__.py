"""The offline exchange: a loopback server that ccxt talks to as if it were Binance USDⓈ-M."""
