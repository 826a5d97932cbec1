"""Writes of the onboarding context."""
