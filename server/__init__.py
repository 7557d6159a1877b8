"""The web server the hub runs under (granian), its access log, and what `make run` starts."""
