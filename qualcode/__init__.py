"""qualcode: a terminal workbench for qualitative evaluation research."""

__version__ = "0.1.0"
