"""Cash application: payments matched to open items (files now; statements, persistence and the workbench later)."""
