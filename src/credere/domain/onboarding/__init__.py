"""Onboarding rules: the scorecard, limit and terms, and decision rules over an application's facts."""
