"""coord: volunteer coordination for neighbourhoods in a crisis."""

__version__ = "0.1.0"
