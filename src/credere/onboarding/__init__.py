"""Onboarding: credit applications, enrichment, financial analysis, the default model, scorecards, decisions."""
