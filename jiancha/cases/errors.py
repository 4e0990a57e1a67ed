"""Refusals of the case workflow. Each message is for the person who tried, in their language."""

from __future__ import annotations


class ActionRefused(Exception):
    """The step cannot be taken as asked; the message says why and nothing was written."""


class StaleVersion(ActionRefused):
    """Someone else changed the lead or case since the form was opened (optimistic locking)."""
