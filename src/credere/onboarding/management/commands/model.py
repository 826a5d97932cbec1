"""``credere model``: train and evaluate the default model, write the statement template, score statements."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

EPILOG = """examples:
  credere model evaluate                      # recompute the shipped model's card figures from the data
  credere model train --out /tmp/pd           # train again (same seed: same model, same figures)
  credere model template statements.xlsx --years 2025,2024,2023 --currency EUR
  credere model score statements.xlsx         # ratios, Altman Z'', PD and the reasons
  credere model score statements.xlsx --json
The model card: src/credere/onboarding/pd/shipped/model_card.md. See docs/onboarding.md."""


class Command(BaseCommand):
    help = "The default model: train it, evaluate it, score a company's financial statements."
    requires_system_checks: list[str] = []  # works on files only: no database, nothing to check

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="{train,evaluate,template,score}")

        def add(name: str, text: str) -> Any:
            return sub.add_parser(name, help=text, description=text, epilog=EPILOG,
                                  formatter_class=argparse.RawDescriptionHelpFormatter)

        p = add("train", "Train the default model on the bundled data; write the model, its description and card")
        p.add_argument("--out", required=True, type=Path, help="directory to write (created if missing)")
        p.add_argument("--seed", type=int, default=None, help="split and training seed (default: the shipped one)")
        p.add_argument("--data", type=Path, default=None, help="another copy of the dataset's ARFF file")
        p = add("evaluate", "Recompute a model's figures from the data and compare them with its card")
        p.add_argument("--model", type=Path, default=None, help="model directory (default: the one in use)")
        p.add_argument("--data", type=Path, default=None)
        p.add_argument("--json", action="store_true")
        p = add("template", "Write the XLSX financial-statement template")
        p.add_argument("out", type=Path)
        p.add_argument("--years", default="", help="fiscal years, newest first (default: the last three)")
        p.add_argument("--currency", default="")
        p = add("score", "Analyse a filled-in statement template: ratios, Altman Z'', PD and its reasons")
        p.add_argument("file", type=Path)
        p.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "_" + options["action"])(options)

    def _train(self, options: dict[str, Any]) -> None:
        from credere.onboarding.pd import dataset, training

        kwargs: dict[str, Any] = {"seed": options["seed"] if options["seed"] is not None else training.DEFAULT_SEED}
        if options["data"]:
            kwargs["data"] = options["data"]
        try:
            meta = training.train(options["out"], **kwargs)
        except (dataset.DatasetError, OSError) as exc:
            raise CommandError(str(exc)) from None
        f = meta["figures"]
        self.stdout.write(f"model {meta['version']} written to {options['out']}")
        self._figures(f, meta.get("cross_validation"))

    def _figures(self, f: dict[str, Any], cv: dict[str, Any] | None = None) -> None:
        self.stdout.write(f"hold-out: {f['holdout_companies']} companies, {f['holdout_defaults']} defaults")
        self.stdout.write(f"AUC {f['auc']:.4f}   Altman Z'' AUC {f['altman_auc']:.4f} (same rows)")
        self.stdout.write(f"Brier {f['brier']:.4f} (base rate {f['brier_base_rate']:.4f})   log loss "
                          f"{f['log_loss']:.4f}")
        if cv:
            self.stdout.write(f"cross-validation AUC {cv['auc_mean']:.4f} ± {cv['auc_sd']:.4f} ({cv['folds']} folds)")
        self.stdout.write("predicted PD   companies   predicted   observed")
        for row in f["reliability"]:
            pred = "–" if row["predicted"] is None else f"{row['predicted'] * 100:.1f} %"
            obs = "–" if row["observed"] is None else f"{row['observed'] * 100:.1f} %"
            self.stdout.write(f"{row['band']:<14} {row['companies']:>9}   {pred:>9}   {obs:>8}")

    def _evaluate(self, options: dict[str, Any]) -> None:
        from credere.onboarding.pd import dataset, training
        from credere.onboarding.pd.model import ModelError, model_directory

        directory = options["model"] or model_directory()
        try:
            recomputed, differences = training.evaluate(directory, **({"data": options["data"]}
                                                                      if options["data"] else {}))
        except (ModelError, dataset.DatasetError, OSError) as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"figures": recomputed, "differences": differences}, indent=2))
        else:
            self.stdout.write(f"model in {directory}")
            self._figures(recomputed)
        if differences:
            raise CommandError("the figures differ from the model card:\n  " + "\n  ".join(differences))
        if not options["json"]:
            self.stdout.write("every figure matches the model card")

    def _template(self, options: dict[str, Any]) -> None:
        from credere.adapters.statement_template import write

        if options["years"]:
            try:
                years = tuple(int(y) for y in options["years"].split(","))
            except ValueError:
                raise CommandError(f"--years: '{options['years']}' is not a list of years (2025,2024,2023)") from None
        else:
            last = timezone.localdate().year - 1
            years = (last, last - 1, last - 2)
        if not 1 <= len(years) <= 3:
            raise CommandError("--years: one to three fiscal years")
        options["out"].write_bytes(write(years=years, currency=options["currency"].upper()))
        self.stdout.write(f"template for {', '.join(map(str, years))} written to {options['out']}")

    def _score(self, options: dict[str, Any]) -> None:
        from credere.adapters.statement_template import TemplateError, read
        from credere.onboarding.selectors.financials import analyse

        try:
            filled = read(options["file"].read_bytes())
        except OSError as exc:
            raise CommandError(f"{options['file']}: {exc.strerror}") from None
        except TemplateError as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        result = analyse(filled.statements, currency=filled.currency)
        if options["json"]:
            self.stdout.write(json.dumps(result.as_dict(), indent=2))
            return
        p = result.prediction
        self.stdout.write(f"Statements {', '.join(map(str, result.years))} in {result.currency}")
        self.stdout.write(f"Probability of default within a year: {p.pd * 100:.2f} %  (model {p.model_version})")
        for factor in p.top(6):
            self.stdout.write(f"  • {factor.words}")
        if p.missing:
            self.stdout.write(f"  not computable: {', '.join(p.missing)}")
        self.stdout.write(result.altman.explanation)
        header = "".join(f"{y:>14}" for y in result.years)
        for group, rows in result.grouped():
            self.stdout.write(f"\n{group:<52}{header}")
            for row in rows:
                trend = {"better": "  ▲ better", "worse": "  ▼ worse", "flat": "  = flat"}.get(row["trend"], "")
                self.stdout.write(f"  {row['label']:<50}" + "".join(f"{v:>14}" for v in row["shown"]) + trend)
