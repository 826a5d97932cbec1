"""The ``credere`` command. Each subcommand is a Django management command of a Credere app."""

from __future__ import annotations

import os
import sys

#: Subcommands shown by ``credere --help`` (``credere help --all`` lists Django's too).
COMMANDS: dict[str, str] = {
    "demo": "Set up the embedded database with a demo portfolio and serve it",
    "serve": "Serve the web application and API",
    "worker": "Run background tasks (imports, reports)",
    "migrate": "Create or update the database schema",
    "import": "Import customers, open items, payments or FX rates from CSV/XLSX",
    "export": "Export an entity to CSV or XLSX",
    "report": "Aging, DSO, CEI and other receivables reports",
    "demo-data": "Generate a seeded, realistic demo portfolio",
    "audit": "Query, export and verify the audit trail",
    "user": "Create users, assign roles, issue and revoke API tokens",
    "allocate": "Allocate a payment or credit note to an open item, or reverse one",
    "cash": "Cash application: import bank statements, match payments, the matching policy",
    "onboarding": "Credit applications, sanctions screening and the onboarding policy",
    "model": "The default model: train it, evaluate it, score a company's financial statements",
    "demo-statement": "Write a demo bank statement (camt.053 or MT940) paying the demo ledger's open invoices",
}


#: Commands that work on files without the database: they create no directory, key file or database.
NO_DATABASE = (("cash", "parse"), ("cash", "match-files"), ("model", "train"), ("model", "evaluate"),
               ("model", "score"), ("model", "template"))


def _usage() -> str:
    width = max(len(c) for c in COMMANDS)
    lines = [
        "usage: credere <command> [options]",
        "",
        "Credere — credit management for companies that sell on credit.",
        "",
        "commands:",
        *[f"  {name.ljust(width)}  {text}" for name, text in COMMANDS.items()],
        "",
        "Run 'credere <command> --help' for a command's options.",
        "Environment: DATABASE_URL (PostgreSQL in production; embedded SQLite by default),",
        "CREDERE_HOME (where the embedded database lives), CREDERE_USER (acting user).",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"} and "--all" not in argv:
        print(_usage())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credere.settings")
    if tuple(argv[:2]) in NO_DATABASE:
        os.environ["CREDERE_NO_DATABASE"] = "1"
    from django.core.management import execute_from_command_line

    name = argv[0]
    if name in ("demo-data", "demo-statement"):
        argv[0] = name.replace("-", "_")
    if name == "help":
        argv = ["help"]
    execute_from_command_line(["credere", *argv])


if __name__ == "__main__":
    main()
