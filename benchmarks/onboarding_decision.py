"""Benchmark the automated credit decision: an application with three years of statements, end to end through
the API, and 100 applications submitted at once.

    .venv/bin/python benchmarks/onboarding_decision.py [--sequential 200] [--concurrent 100] [--listed 20000]

A fresh embedded SQLite database (or ``--database-url`` PostgreSQL, emptied first) gets our company, a
credit analyst with an API token, and sanctions lists: the four sample files in their published formats
plus a generated list of ``--listed`` parties, so that every name is screened against a list of a real
list's size. Then:

1. **Sequential**: ``--sequential`` applications, one after the other, ``POST /api/v1/onboarding/applications``
   in process with a bearer token: answers checked, names screened, statements analysed (ratios, Altman Z'',
   the default model with its explanations), scorecard, rules, the decision stored with its inputs and,
   when approved, the customer, its risk class, terms and limit written to the ledger and the audit trail.
   p50 / p95 latency. Baseline in the same run: the decision's pure parts alone (statements checked, the
   default model's PD and contributions, the scorecard, the rules — no database), and an authenticated API
   read (``GET /api/v1/onboarding/policy``): how far the stored, audited decision is from its arithmetic
   and from the framework's floor.
VIES and a credit bureau are answered by local fakes (the tests' recorded answers), so every decision
asks them as in production.

2. **Concurrent**: ``credere serve`` (gunicorn, as in production) and ``--concurrent`` clients posting one
   application each at the same moment: wall time, p50 / p95, every one answered 201 with a decision, none
   lost, no duplicate reference.

Applications vary (healthy, middling, distressed statements; some ask more than the policy gives; a few
carry a listed owner) so that every outcome occurs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "tests" / "data" / "sanctions"
PROFILES = {"healthy": (0.07, 0.45, 0.30, 0.08), "middling": (0.02, 0.25, 0.45, 0.04),
            "distressed": (-0.06, 0.04, 0.75, 0.01)}


def statements(rng: random.Random, profile: str) -> list[dict[str, str]]:
    margin0, equity_share, stl_share, cash_share = PROFILES[profile]
    scale = rng.choice((800_000, 2_500_000, 9_000_000))
    out = []
    for back in range(3):
        sales = round(scale * rng.uniform(0.9, 1.1) * 0.93 ** back)
        margin = margin0 * rng.uniform(0.7, 1.3)
        assets = round(sales * 0.65)
        cash, receivables, inventory = round(assets * cash_share), round(sales * 0.15), round(assets * 0.2)
        fixed = assets - cash - receivables - inventory
        equity = round(assets * equity_share * rng.uniform(0.9, 1.1))
        stl = round(assets * stl_share)
        share_capital = min(equity, 100_000) if equity > 0 else 25_000
        profit = round(sales * margin)
        interest = round((assets - equity - stl) * 0.05)
        out.append({"year": str(2025 - back), "fixed_assets": str(fixed), "inventory": str(inventory),
                    "receivables": str(receivables), "cash": str(cash), "other_current_assets": "0",
                    "share_capital": str(share_capital), "retained_earnings": str(equity - share_capital),
                    "other_equity": "0", "long_term_liabilities": str(assets - equity - stl),
                    "short_term_liabilities": str(stl), "sales": str(sales), "cost_of_sales": str(round(sales * 0.72)),
                    "operating_profit": str(profit + interest), "depreciation": str(round(fixed * 0.08)),
                    "interest_expense": str(interest), "profit_before_tax": str(profit),
                    "net_profit": str(round(profit * 0.75))})
    return out


def application(rng: random.Random, n: int) -> dict[str, Any]:
    profile = rng.choices(list(PROFILES), weights=(5, 3, 2))[0]
    limit = rng.choice((15_000, 30_000, 45_000, 90_000, 400_000))
    owners = [{"name": "Ivan Petrovich Sidorov" if n % 25 == 7 else f"Owner {n} Holding", "share": "100"}]
    return {"company": "DE01", "language": rng.choice(("en", "de", "fr")), "statements_currency": "EUR",
            "statements": statements(rng, profile), "answers": {
                "legal_name": f"Prospect {n} {rng.choice(('GmbH', 'Ltd', 'SAS', 'B.V.'))}", "country": "DE",
                "registration_number": f"HRB {10000 + n} Berlin", "vat_id": "DE136695976", "street": "Weg 1",
                "postal_code": "10115", "city": "Berlin", "industry_code": rng.choice(("C25.1", "G46.7", "F41.2")),
                "years_in_business": str(rng.choice((1, 3, 8, 20))), "contact_name": f"Buyer {n}",
                "contact_email": f"buyer{n}@prospect.example", "currency": "EUR", "requested_limit": str(limit),
                "requested_terms_days": str(rng.choice((30, 45, 60))), "expected_monthly_volume": str(limit // 2),
                "references": [{"company": f"Supplier {k}", "contact": f"Ref {k}", "email": f"r{k}@s.example",
                                "years": str(rng.randint(1, 9)), "typical_amount": "5000"}
                               for k in range(rng.randint(0, 3))],
                "owners": owners, "consent": True}}


def generated_list(count: int, rng: random.Random) -> bytes:
    """A UN-format consolidated list of ``count`` invented entities and people (the screening index's size)."""
    first = ["Ahmed", "Ivan", "Li", "Omar", "Sergei", "Yusuf", "Kim", "Hassan", "Pavel", "Ali", "Viktor", "Jamal"]
    last = ["Petrov", "Hassan", "Wang", "Karimov", "Ivanov", "Rahman", "Park", "Sokolov", "Haddad", "Nasser"]
    words = ["Trading", "Shipping", "Energy", "Holding", "Industrial", "Maritime", "Logistics", "Petroleum", "Metals",
             "Import Export", "General", "Technology", "Construction", "Finance", "Aviation"]
    places = ["Northern", "Eastern", "Golden", "Silver", "Red Sea", "Caspian", "Pacific", "Atlas", "Orient", "Delta"]
    people, entities = [], []
    for n in range(count):
        if n % 2:
            people.append(f"<INDIVIDUAL><DATAID>{n}</DATAID><FIRST_NAME>{rng.choice(first)}</FIRST_NAME>"
                          f"<SECOND_NAME>{rng.choice(last)}{n}</SECOND_NAME><UN_LIST_TYPE>Benchmark</UN_LIST_TYPE>"
                          f"<REFERENCE_NUMBER>BI.{n}</REFERENCE_NUMBER><LISTED_ON>2020-01-01</LISTED_ON>"
                          "</INDIVIDUAL>")
        else:
            entities.append(f"<ENTITY><DATAID>{n}</DATAID><FIRST_NAME>{rng.choice(places)} {rng.choice(words)} "
                            f"{n} LLC</FIRST_NAME><UN_LIST_TYPE>Benchmark</UN_LIST_TYPE>"
                            f"<REFERENCE_NUMBER>BE.{n}</REFERENCE_NUMBER><LISTED_ON>2020-01-01</LISTED_ON></ENTITY>")
    return ('<?xml version="1.0" encoding="UTF-8"?><CONSOLIDATED_LIST dateGenerated="2026-12-01T00:00:00">'
            f"<INDIVIDUALS>{''.join(people)}</INDIVIDUALS><ENTITIES>{''.join(entities)}</ENTITIES>"
            "</CONSOLIDATED_LIST>").encode()


def _pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))] * 1000


def setup(listed: int) -> str:
    """Our company, an analyst with a token, the sanctions lists; the token."""
    import django

    django.setup()
    from credere.identity.services import create_user, issue_token
    from credere.ledger.services.master_data import upsert_company
    from credere.onboarding.services import screening

    admin = create_user(actor=None, username="bench-admin", roles=["administrator"])
    upsert_company(actor=admin, code="DE01", name="Credere Demo GmbH", base_currency="EUR", country="DE")
    analyst = create_user(actor=None, username="bench-analyst", roles=["credit_analyst"])
    for name in ("eu_fsf.xml", "ofac_sdn.xml", "uk_sanctions_list.xml"):
        screening.import_list(actor=admin, content=(SAMPLES / name).read_bytes())
    screening.import_list(actor=admin, content=generated_list(listed, random.Random(3)), name="Generated list")
    _t, secret = issue_token(actor=None, user=analyst, name="bench")
    return secret


def sequential(count: int, listed: int) -> dict[str, Any]:
    secret = setup(listed)
    from django.test import Client

    from credere.domain.financials import statement
    from credere.domain.onboarding import rules as decision_rules
    from credere.domain.onboarding.scorecard import Facts, score
    from credere.onboarding.pd.model import default_model
    from credere.onboarding.policy import FACTS, policy_in_force

    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}", HTTP_HOST="127.0.0.1")
    rng = random.Random(11)
    bodies = [application(rng, n) for n in range(count + 5)]
    for body in bodies[:5]:  # warm up: the model, the screening index, the first queries
        api.post("/api/v1/onboarding/applications", json.dumps(body), content_type="application/json")
    timings, outcomes = [], Counter()
    for body in bodies[5:]:
        start = time.perf_counter()
        r = api.post("/api/v1/onboarding/applications", json.dumps(body), content_type="application/json")
        timings.append(time.perf_counter() - start)
        assert r.status_code == 201, r.content
        outcomes[r.json()["status"]] += 1
    policy = policy_in_force()
    model = default_model()
    pure = []
    for body in bodies[5:]:
        start = time.perf_counter()
        checked = [statement(y) for y in body["statements"]]
        prediction = model.predict(checked)
        a = score(Facts(currency="EUR", requested_limit=__import__("decimal").Decimal(body["answers"]["requested_limit"]),
                        requested_terms_days=30, expected_monthly_volume=None, pd=prediction.pd,
                        equity=checked[0].equity, working_capital=checked[0].working_capital, years_in_business=8,
                        trade_references=2, country="DE", industry_section="C", identity_ok=True,
                        identity_problems=(), days_late_avg=None, existing_customer=False), policy.settings)
        decision_rules.decide(policy.rules, {"score": a.score, "identity_ok": True, "sanctions_hits": 0},
                              known=list(FACTS))
        pure.append(time.perf_counter() - start)
    reads = []
    for _ in range(count):
        start = time.perf_counter()
        api.get("/api/v1/onboarding/policy")
        reads.append(time.perf_counter() - start)
    return {"n": count, "p50": statistics.median(timings) * 1000, "p95": _pct(timings, 0.95),
            "pure_p50": statistics.median(pure) * 1000, "pure_p95": _pct(pure, 0.95),
            "read_p50": statistics.median(reads) * 1000, "outcomes": dict(outcomes)}


def fake_services() -> tuple[Any, str]:
    """VIES and a credit bureau answering from recorded answers on loopback (the tests' files)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    data = ROOT / "tests" / "data" / "enrichment"
    vies_body, bureau_body = (data / "vies_registered.json").read_bytes(), (data / "bureau_report.json").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, body: bytes) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self._send(vies_body)

        def do_GET(self) -> None:  # noqa: N802
            self._send(bureau_body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def concurrent(count: int, env: dict[str, str], secret: str) -> dict[str, Any]:
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "credere", "serve", "--host", "127.0.0.1", "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        rng = random.Random(99)
        bodies = [application(rng, 10_000 + n) for n in range(count)]
        results: list[tuple[int, float, dict[str, Any]]] = [(0, 0.0, {})] * count
        barrier = threading.Barrier(count)

        def post(i: int) -> None:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/onboarding/applications", data=json.dumps(bodies[i]).encode(),
                headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}, method="POST")
            barrier.wait()
            start = time.perf_counter()
            try:
                with urllib.request.urlopen(request, timeout=300) as response:
                    results[i] = (response.status, time.perf_counter() - start, json.loads(response.read()))
            except urllib.error.HTTPError as exc:
                results[i] = (exc.code, time.perf_counter() - start, {"error": exc.read()[:300].decode()})

        threads = [threading.Thread(target=post, args=(i,)) for i in range(count)]
        wall = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - wall
    finally:
        server.terminate()
        server.wait(timeout=30)
    ok = [r for r in results if r[0] == 201 and r[2].get("decision")]
    references = [r[2].get("reference") for r in ok]
    return {"n": count, "wall": wall, "ok": len(ok), "p50": statistics.median(r[1] for r in results) * 1000,
            "p95": _pct([r[1] for r in results], 0.95), "unique": len(set(references)) == len(references),
            "statuses": dict(Counter(r[0] for r in results)), "outcomes": dict(Counter(r[2].get("status")
                                                                                        for r in ok))}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sequential", type=int, default=200)
    p.add_argument("--concurrent", type=int, default=100)
    p.add_argument("--listed", type=int, default=20_000, help="generated sanctions-list parties")
    p.add_argument("--database-url", default="", help="PostgreSQL (emptied first); default: embedded SQLite")
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        result = sequential(a.sequential, a.listed)
        from django.conf import settings as django_settings
        from django.contrib.auth import get_user_model

        from credere.identity.services import issue_token

        user = get_user_model().objects.get(username="bench-analyst")
        _t, secret = issue_token(actor=None, user=user, name="bench-concurrent")
        print("RESULT " + json.dumps({**result, "secret": secret, "db": django_settings.DATABASES["default"]["ENGINE"]}))
        return
    with tempfile.TemporaryDirectory(prefix="credere-bench-") as home:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env.update({"CREDERE_HOME": home, "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "credere.settings",
                    "CREDERE_DATA_KEY": env.get("CREDERE_DATA_KEY", "")})
        if not env["CREDERE_DATA_KEY"]:
            env.pop("CREDERE_DATA_KEY")
        fakes, base = fake_services()
        env["CREDERE_VIES_URL"] = base + "/vies"
        env["CREDERE_GLEIF_URL"] = ""
        env["CREDERE_BUREAUS"] = json.dumps([{
            "name": "bench", "kind": "http", "url": base + "/bureau?vat={vat_id}",
            "fields": {"score": "/report/score", "rating": "/report/rating",
                       "negative_events": "/report/negativeEvents"}}])
        if a.database_url:
            env["DATABASE_URL"] = a.database_url
            subprocess.run([sys.executable, "-m", "credere", "flush", "--no-input"], env=env, capture_output=True)
        subprocess.run([sys.executable, "-m", "credere", "migrate", "-v", "0"], env=env, check=True,
                       capture_output=True)
        out = subprocess.run([sys.executable, __file__, "--child", "--sequential", str(a.sequential), "--listed",
                              str(a.listed)], env=env, check=True, capture_output=True, text=True).stdout
        seq = json.loads(next(x for x in out.splitlines() if x.startswith("RESULT"))[7:])
        print(f"database: {seq['db'].rsplit('.', 1)[-1]}; sanctions lists: 3 samples + {a.listed:,} generated parties; "
              "VIES and a credit bureau served by local fakes")
        print(f"1. sequential, {seq['n']} applications with 3 years of statements, through the API in process")
        print(f"   decision p50 {seq['p50']:.1f} ms, p95 {seq['p95']:.1f} ms   (target: p95 < 300 ms)")
        print(f"   baseline, same run: the pure decision (statements, model, scorecard, rules) p50 "
              f"{seq['pure_p50']:.2f} ms, p95 {seq['pure_p95']:.2f} ms; an authenticated API read p50 "
              f"{seq['read_p50']:.1f} ms")
        print(f"   ratio decision p50 / API read p50: {seq['p50'] / seq['read_p50']:.1f}x;   outcomes: {seq['outcomes']}")
        con = concurrent(a.concurrent, env, seq["secret"])
        print(f"2. concurrent: {con['n']} applications posted at the same moment to credere serve")
        print(f"   all answered in {con['wall']:.1f} s; p50 {con['p50']:.0f} ms, p95 {con['p95']:.0f} ms; "
              f"{con['ok']}/{con['n']} decided (HTTP {con['statuses']}); unique references: {con['unique']}")
        print(f"   outcomes: {con['outcomes']}")
        fakes.shutdown()


if __name__ == "__main__":
    main()
