"""qualcode: a terminal workbench for qualitative evaluation research."""

__version__ = "0.2.0"
