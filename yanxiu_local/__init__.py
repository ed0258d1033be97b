"""The local stack and the `yanxiu` command line: development tools, not deployed."""
