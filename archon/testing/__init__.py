"""Test doubles shipped with the library: a deterministic fake provider (``fake/<name>``)."""

from archon.testing.fake import FakeCall, register_fake_model, unregister_fake_model

__all__ = ["FakeCall", "register_fake_model", "unregister_fake_model"]
