"""Use cases shared by the CLI and the TUI: import, code with undo, report, pseudonymise, the demo, settings."""
