"""Reads of the onboarding context, shared by its API, pages and commands."""
