"""Entry points: the command line, the demo and the seed."""
