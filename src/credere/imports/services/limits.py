"""How big an import may be and how it is written in batches."""

#: Largest file accepted (bytes); ``CREDERE_IMPORT_MAX_BYTES`` in settings overrides it.
MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 1_000_000
#: Rows per INSERT/UPDATE statement and per progress step on the bulk path.
BATCH = 1000
#: An import run keeps at most this many error rows (the result returned has them all).
STORED_ERRORS = 10_000

#: Fields the services name in errors that are columns under another name in the file.
FIELD_ALIASES = {"parent": "parent_account", "customer": "account_number", "company": "company_code"}

