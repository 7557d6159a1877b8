"""The hub's benchmark (`make bench`): see bench/run.py."""
