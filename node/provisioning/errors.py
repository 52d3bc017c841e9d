"""The one error provisioning raises."""

from __future__ import annotations


class ProvisioningError(Exception):
    """A provisioning step that cannot be done as asked; the message says why (plain text)."""
