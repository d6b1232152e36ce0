"""The plan's rules in plain Python: no chat platform, no database."""
