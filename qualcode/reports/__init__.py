"""Reports: compute plain data (tables, statistics) from the project for the CLI, the TUI and the writers."""
