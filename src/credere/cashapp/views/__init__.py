"""Cash application in the browser, one module per page: statements in, the workbench of open
payments, the matching policy. Views read the form, ask :mod:`credere.cashapp.selectors` for
what they show and :mod:`credere.cashapp.services` to change anything; they query no model."""
