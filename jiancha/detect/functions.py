"""Indicators written in Python, for work SQL does badly (graphs, sequences); registered by name."""

from __future__ import annotations
