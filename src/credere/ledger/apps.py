from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "credere.ledger"
    label = "ledger"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from credere.ledger import audit_links, search
        from credere.web import search as global_search

        global_search.register(search.find)
        audit_links.register()
        from credere.core import personal

        # a payer may be a person (a sole trader): the audit trail keeps the name by reference, erasable
        personal.register("ledger.payment", payer_name="name")
