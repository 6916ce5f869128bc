"""The Textual coding workbench."""
