"""Headless commands behind ``porting-alpha <command>``: plan, sim, record, export, bench."""
