"""A seeded generator of realistic receivables portfolios for demos, tests and benchmarks.

Pure Python: no Django, no IO, no clock. The same arguments (customers, years, seed,
as_of) always produce the same rows, on any machine: every random draw comes from
``random.Random`` instances seeded from ``seed`` (one for the portfolio plan, one for the
FX rates, one per corporate group), and only IEEE-exact operations are applied to draws
(no ``gauss``/``lognormvariate``, whose libm functions may differ between platforms).
Amounts are computed in integer minor units and emitted as ``Decimal`` quantised to the
currency's minor unit.

Volume: on average :data:`INVOICES_PER_CUSTOMER_YEAR` invoices per customer and year
(so ``customers=50_000, years=2`` gives about one million invoices), plus about 0.1 credit
notes (returns, disputes, cash discounts), 0.01 debit notes, 0.75 payments and 1.0
allocations per invoice, 1.85 contacts per customer, and one FX rate per currency and
business day.

What the portfolio contains:

* four selling companies (DE01 EUR, GB01 GBP, US01 USD, JP01 JPY); customers in 27
  countries, invoiced by the company of their region, some in their local currency
  (CHF, PLN, SEK) and some also by a second company;
* corporate groups (a holding with subsidiaries, sometimes paying centrally for them);
* NACE Rev. 2 industries, company names with each country's legal forms, registration
  and VAT numbers with valid check digits, contacts, bank accounts (valid IBANs);
* payment terms (net 14/30/45/60/90, 2/10 net 30, 1/14 net 45);
* seasonal invoicing with growth, month-end peaks, business days only;
* payment behaviours (:data:`BEHAVIOURS`): prompt, slow, chronically late,
  deteriorating, disputing, defaulting — with partial payments, payment runs covering
  several invoices, cash discounts and returns settled by credit notes, disputed items
  left open or short-paid, bank charges deducted, a few misapplied and reversed
  allocations, overpayments, unidentified payments, and cash received but not yet applied;
* daily EUR reference rates for every currency used (a bounded random walk).

Rows carry explicit ids starting at 1 per table; the loader shifts them past the ids
already used in the database.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

#: Average invoices per customer-year (with onboarding, churn and defaults included).
INVOICES_PER_CUSTOMER_YEAR = 10

#: Payment behaviours and their share of customers (percent).
BEHAVIOURS: dict[str, int] = {
    "prompt": 37,
    "slow": 25,
    "chronically_late": 12,
    "deteriorating": 9,
    "disputing": 12,
    "defaulting": 5,
}

FX_SOURCE = "demo (random walk)"


# --------------------------------------------------------------------------- rows


class CompanyRow(NamedTuple):
    id: int
    code: str
    name: str
    base_currency: str
    country: str


class PaymentTermsRow(NamedTuple):
    id: int
    code: str
    description: str
    net_days: int
    discount_days: int | None
    discount_rate: Decimal | None


class CustomerRow(NamedTuple):
    id: int
    account_number: str
    name: str
    registration_id: str
    tax_id: str
    country: str
    industry_code: str
    language: str
    parent_id: int | None
    payment_terms_id: int
    status: str
    created_on: dt.date  # customer since


class ContactRow(NamedTuple):
    id: int
    customer_id: int
    name: str
    role: str
    email: str
    phone: str


class ItemRow(NamedTuple):
    id: int
    company_id: int
    customer_id: int
    document_type: str
    document_number: str
    order_reference: str
    billing_reference: str
    customer_reference: str
    document_date: dt.date
    posting_date: dt.date
    due_date: dt.date
    currency: str
    amount: Decimal
    open_amount: Decimal


class PaymentRow(NamedTuple):
    id: int
    company_id: int
    customer_id: int | None
    reference: str
    received_on: dt.date
    currency: str
    amount: Decimal
    unapplied_amount: Decimal
    payer_name: str
    payer_account: str
    reference_text: str


class AllocationRow(NamedTuple):
    id: int
    target_id: int
    payment_id: int | None
    credit_note_id: int | None
    amount: Decimal
    source_amount: Decimal
    applied_on: dt.date
    reversed_on: dt.date | None
    note: str


class FxRateRow(NamedTuple):
    id: int
    rate_date: dt.date
    base: str
    quote: str
    rate: Decimal
    source: str


Row = CompanyRow | PaymentTermsRow | CustomerRow | ContactRow | ItemRow | PaymentRow | AllocationRow | FxRateRow


@dataclass
class Batch:
    """Everything about one corporate group (or one standalone customer)."""

    customers: list[CustomerRow] = field(default_factory=list)
    contacts: list[ContactRow] = field(default_factory=list)
    items: list[ItemRow] = field(default_factory=list)
    payments: list[PaymentRow] = field(default_factory=list)
    allocations: list[AllocationRow] = field(default_factory=list)
    #: Customer id -> behaviour (ground truth, not stored in the database).
    behaviours: dict[int, str] = field(default_factory=dict)

    def rows(self) -> Iterator[Row]:
        yield from self.customers
        yield from self.contacts
        yield from self.items
        yield from self.payments
        yield from self.allocations


# --------------------------------------------------------------------------- reference data

COMPANIES: tuple[tuple[str, str, str, str], ...] = (
    ("DE01", "Credere Demo GmbH", "EUR", "DE"),
    ("GB01", "Credere Demo UK Ltd", "GBP", "GB"),
    ("US01", "Credere Demo Inc.", "USD", "US"),
    ("JP01", "Credere Demo Japan K.K.", "JPY", "JP"),
)
_COMPANY_ID = {code: i + 1 for i, (code, *_rest) in enumerate(COMPANIES)}
_COMPANY_CURRENCY = {i + 1: cur for i, (_c, _n, cur, _k) in enumerate(COMPANIES)}
_COMPANY_SHORT = {i + 1: code[:2] for i, (code, *_rest) in enumerate(COMPANIES)}

#: (code, description, net days, discount days, discount rate)
TERMS: tuple[tuple[str, str, int, int | None, Decimal | None], ...] = (
    ("NET14", "Net 14 days", 14, None, None),
    ("NET30", "Net 30 days", 30, None, None),
    ("NET45", "Net 45 days", 45, None, None),
    ("NET60", "Net 60 days", 60, None, None),
    ("NET90", "Net 90 days", 90, None, None),
    ("2-10-NET30", "2 % discount within 10 days, net 30 days", 30, 10, Decimal("0.0200")),
    ("1-14-NET45", "1 % discount within 14 days, net 45 days", 45, 14, Decimal("0.0100")),
)
_TERM_ID = {code: i + 1 for i, (code, *_rest) in enumerate(TERMS)}
_TERM_NET = {i + 1: t[2] for i, t in enumerate(TERMS)}
_TERM_DISCOUNT: dict[int, tuple[int, int]] = {  # term id -> (days, rate in basis points)
    i + 1: (t[3], int(t[4] * 10000)) for i, t in enumerate(TERMS) if t[3] is not None and t[4] is not None
}

#: Minor-unit decimals and approximate units per EUR (numerator, denominator): amounts
#: are drawn in EUR cents and converted with these fixed factors (the FX table walks
#: around them).
CURRENCIES: dict[str, tuple[int, int, int]] = {
    "EUR": (2, 1, 1),
    "GBP": (2, 86, 100),
    "USD": (2, 108, 100),
    "JPY": (0, 160, 1),
    "CHF": (2, 95, 100),
    "PLN": (2, 43, 10),
    "SEK": (2, 113, 10),
}
#: Starting EUR rates and their displayed decimals (ECB style).
_FX_START: dict[str, tuple[str, int]] = {
    "USD": ("1.0850", 4), "GBP": ("0.8570", 5), "JPY": ("161.20", 2), "CHF": ("0.9510", 4),
    "PLN": ("4.3150", 4), "SEK": ("11.2900", 4),
}


class _Country(NamedTuple):
    weight: int
    company: str
    currency: str  # invoice currency for customers of this country
    languages: tuple[str, ...]
    legal_forms: tuple[tuple[str, int], ...]
    phone: str
    places: tuple[str, ...]
    name: str


COUNTRIES: dict[str, _Country] = {
    "DE": _Country(22, "DE01", "EUR", ("de",), (("GmbH", 60), ("GmbH & Co. KG", 15), ("AG", 8), ("KG", 7), ("e.K.", 5), ("UG (haftungsbeschränkt)", 5)), "+49", ("Rhein", "Elbe", "Hansa", "Isar", "Main", "Spree", "Nordsee", "Alb", "Weser", "Ruhr", "Bayern", "Taunus"), "Deutschland"),
    "AT": _Country(4, "DE01", "EUR", ("de",), (("GmbH", 70), ("AG", 10), ("KG", 10), ("OG", 10)), "+43", ("Donau", "Tirol", "Alpen", "Wienerwald", "Salzach", "Inn"), "Austria"),
    "CH": _Country(4, "DE01", "CHF", ("de", "fr", "it"), (("AG", 50), ("GmbH", 40), ("SA", 10)), "+41", ("Helvetia", "Aare", "Limmat", "Jura", "Rigi", "Léman"), "Schweiz"),
    "FR": _Country(7, "DE01", "EUR", ("fr",), (("SAS", 45), ("SARL", 35), ("SA", 15), ("SNC", 5)), "+33", ("Loire", "Provence", "Atlantique", "Alsace", "Bretagne", "Rhône", "Seine", "Normandie"), "France"),
    "IT": _Country(5, "DE01", "EUR", ("it",), (("S.r.l.", 70), ("S.p.A.", 20), ("S.n.c.", 10)), "+39", ("Adriatica", "Lombarda", "Toscana", "Padana", "Veneta", "Tirrena"), "Italia"),
    "ES": _Country(4, "DE01", "EUR", ("es",), (("S.L.", 75), ("S.A.", 25)), "+34", ("Ibérica", "Levante", "Cantábrica", "Andaluza", "Castellana", "Mediterránea"), "España"),
    "PT": _Country(1, "DE01", "EUR", ("pt",), (("Lda.", 75), ("S.A.", 25)), "+351", ("Atlântico", "Lusitana", "Douro", "Tejo", "Minho"), "Portugal"),
    "NL": _Country(5, "DE01", "EUR", ("nl",), (("B.V.", 85), ("N.V.", 5), ("V.O.F.", 10)), "+31", ("Holland", "Delta", "Maas", "Zuid", "Noord", "Rijn", "Polder"), "Nederland"),
    "BE": _Country(3, "DE01", "EUR", ("nl", "fr"), (("BV", 60), ("NV", 40)), "+32", ("Schelde", "Brabant", "Ardennes", "Flandria", "Meuse"), "Belgium"),
    "PL": _Country(4, "DE01", "PLN", ("pl",), (("Sp. z o.o.", 80), ("S.A.", 15), ("Sp.k.", 5)), "+48", ("Wisła", "Mazowsze", "Bałtyk", "Karpaty", "Odra", "Warta"), "Polska"),
    "CZ": _Country(2, "DE01", "EUR", ("cs",), (("s.r.o.", 85), ("a.s.", 15)), "+420", ("Vltava", "Morava", "Bohemia", "Labe", "Šumava"), "Česko"),
    "SE": _Country(2, "DE01", "SEK", ("sv",), (("AB", 100),), "+46", ("Nordic", "Vänern", "Norrland", "Göta", "Skandia"), "Sverige"),
    "DK": _Country(2, "DE01", "EUR", ("da",), (("ApS", 60), ("A/S", 40)), "+45", ("Nordic", "Jylland", "Øresund", "Fyn", "Kattegat"), "Danmark"),
    "NO": _Country(1, "DE01", "EUR", ("no",), (("AS", 90), ("ASA", 10)), "+47", ("Fjord", "Nordic", "Viking", "Vestland", "Polar"), "Norge"),
    "FI": _Country(1, "DE01", "EUR", ("fi",), (("Oy", 90), ("Oyj", 10)), "+358", ("Nordic", "Suomi", "Lappi", "Saimaa", "Karelia"), "Suomi"),
    "IE": _Country(1, "GB01", "EUR", ("en",), (("Ltd", 80), ("DAC", 10), ("PLC", 10)), "+353", ("Shannon", "Liffey", "Atlantic", "Emerald", "Celtic"), "Ireland"),
    "GB": _Country(12, "GB01", "GBP", ("en",), (("Ltd", 85), ("PLC", 5), ("LLP", 10)), "+44", ("Thames", "Pennine", "Mersey", "Severn", "Albion", "Cotswold", "Highland", "Anglia"), "United Kingdom"),
    "US": _Country(12, "US01", "USD", ("en",), (("Inc.", 50), ("LLC", 40), ("Corp.", 10)), "+1", ("Atlantic", "Pacific", "Midwest", "Lakeshore", "Summit", "Liberty", "Frontier", "Keystone"), "USA"),
    "CA": _Country(3, "US01", "USD", ("en",), (("Inc.", 70), ("Ltd.", 30)), "+1", ("Maple", "Northern", "Great Lakes", "Rocky Mountain", "Laurentian"), "Canada"),
    "MX": _Country(1, "US01", "USD", ("es",), (("S.A. de C.V.", 80), ("S. de R.L. de C.V.", 20)), "+52", ("Azteca", "Pacífico", "Sierra", "Bajío", "Golfo"), "México"),
    "BR": _Country(1, "US01", "USD", ("pt",), (("Ltda.", 70), ("S.A.", 30)), "+55", ("Amazonas", "Paulista", "Atlântica", "Cerrado", "Guanabara"), "Brasil"),
    "JP": _Country(4, "JP01", "JPY", ("ja",), (("Co., Ltd.", 70), ("K.K.", 30)), "+81", ("Sakura", "Fuji", "Kanto", "Kansai", "Hokuto", "Seto", "Nippon"), "Japan"),
    "KR": _Country(1, "JP01", "USD", ("ko",), (("Co., Ltd.", 100),), "+82", ("Hanbit", "Daehan", "Hanil", "Seoul", "Namsan"), "Korea"),
    "CN": _Country(1, "JP01", "USD", ("zh",), (("Co., Ltd.", 100),), "+86", ("Huaxia", "Zhongshan", "Changjiang", "Dongfang", "Jinhai"), "China"),
    "SG": _Country(1, "JP01", "USD", ("en",), (("Pte. Ltd.", 100),), "+65", ("Merlion", "Straits", "Marina", "Orchid", "Lion City"), "Singapore"),
    "AU": _Country(1, "JP01", "USD", ("en",), (("Pty Ltd", 100),), "+61", ("Southern Cross", "Outback", "Coral", "Harbour", "Pacific"), "Australia"),
    "IN": _Country(1, "JP01", "USD", ("en",), (("Pvt. Ltd.", 80), ("Ltd.", 20)), "+91", ("Ganga", "Deccan", "Himalaya", "Indus", "Malabar"), "India"),
}
_COUNTRY_CODES = tuple(COUNTRIES)
_COUNTRY_WEIGHTS = tuple(c.weight for c in COUNTRIES.values())

#: Trade words by language (en, de, fr, es, it, nl); other languages use English ones.
_TRADES: dict[str, tuple[str, str, str, str, str, str]] = {
    "agri": ("Agri", "Agrar", "Agricole", "Agrícola", "Agricola", "Agro"),
    "food": ("Foods", "Lebensmittel", "Alimentaire", "Alimentación", "Alimentari", "Voeding"),
    "drinks": ("Beverages", "Getränke", "Boissons", "Bebidas", "Bevande", "Dranken"),
    "wood": ("Timber", "Holzbau", "Bois", "Maderas", "Legnami", "Hout"),
    "packaging": ("Packaging", "Verpackung", "Emballages", "Embalajes", "Imballaggi", "Verpakkingen"),
    "chemicals": ("Chemicals", "Chemie", "Chimie", "Química", "Chimica", "Chemie"),
    "plastics": ("Plastics", "Kunststofftechnik", "Plastiques", "Plásticos", "Plastica", "Kunststoffen"),
    "steel": ("Steel", "Stahl", "Aciers", "Aceros", "Acciai", "Staal"),
    "metal": ("Metalworks", "Metallbau", "Métallerie", "Metalúrgica", "Metalmeccanica", "Metaalbewerking"),
    "electronics": ("Electronics", "Elektronik", "Électronique", "Electrónica", "Elettronica", "Elektronica"),
    "electrical": ("Electrical", "Elektrotechnik", "Électricité", "Eléctrica", "Elettrotecnica", "Elektrotechniek"),
    "machinery": ("Machinery", "Maschinenbau", "Mécanique", "Maquinaria", "Meccanica", "Machinebouw"),
    "automotive": ("Automotive", "Fahrzeugteile", "Automobile", "Automoción", "Componenti Auto", "Automotive"),
    "furniture": ("Furniture", "Möbel", "Mobilier", "Muebles", "Arredamenti", "Meubelen"),
    "medical": ("Medical", "Medizintechnik", "Médical", "Médica", "Medicale", "Medisch"),
    "pharma": ("Pharma", "Pharma", "Pharma", "Farma", "Farmaceutici", "Farma"),
    "energy": ("Energy", "Energie", "Énergie", "Energía", "Energia", "Energie"),
    "recycling": ("Recycling", "Recycling", "Recyclage", "Reciclajes", "Ecologia", "Recycling"),
    "construction": ("Construction", "Bau", "Construction", "Construcciones", "Costruzioni", "Bouw"),
    "installation": ("Building Services", "Haustechnik", "Installations", "Instalaciones", "Impianti", "Installatietechniek"),
    "wholesale": ("Trading", "Handel", "Distribution", "Distribuciones", "Distribuzione", "Groothandel"),
    "retail": ("Retail", "Markt", "Commerce", "Comercial", "Commerciale", "Winkels"),
    "transport": ("Transport", "Spedition", "Transports", "Transportes", "Trasporti", "Transport"),
    "logistics": ("Logistics", "Logistik", "Logistique", "Logística", "Logistica", "Logistiek"),
    "hotels": ("Hotels", "Hotelbetriebe", "Hôtellerie", "Hoteles", "Alberghi", "Hotels"),
    "catering": ("Catering", "Gastronomie", "Restauration", "Restauración", "Ristorazione", "Horeca"),
    "software": ("Software", "Software", "Logiciels", "Software", "Software", "Software"),
    "it": ("IT Services", "IT-Systeme", "Informatique", "Informática", "Informatica", "ICT"),
    "consulting": ("Consulting", "Beratung", "Conseil", "Consultoría", "Consulenza", "Advies"),
    "engineering": ("Engineering", "Ingenieurbüro", "Ingénierie", "Ingeniería", "Ingegneria", "Ingenieurs"),
    "media": ("Media", "Werbung", "Communication", "Publicidad", "Comunicazione", "Media"),
    "rental": ("Rental", "Vermietung", "Location", "Alquileres", "Noleggi", "Verhuur"),
    "cleaning": ("Facility Services", "Gebäudereinigung", "Propreté", "Limpiezas", "Pulizie", "Schoonmaak"),
    "healthcare": ("Healthcare", "Klinik", "Santé", "Salud", "Sanità", "Zorg"),
}
_TRADE_LANGS = {"en": 0, "de": 1, "fr": 2, "es": 3, "it": 4, "nl": 5}
#: Trade words that go before the name ("Transports Dubois SAS", "Trasporti Rossi S.r.l.").
_ROMANCE_WORDS = frozenset(w for words in _TRADES.values() for w in words[2:5]) | {"Groupe", "Grupo", "Gruppo"}

#: NACE Rev. 2 classes: (code, trade, weight, typical invoice in EUR).
INDUSTRIES: tuple[tuple[str, str, int, int], ...] = (
    ("A01.13", "agri", 2, 2500), ("C10.71", "food", 3, 1200), ("C10.51", "food", 2, 4000),
    ("C11.05", "drinks", 2, 3000), ("C16.23", "wood", 2, 3500), ("C17.21", "packaging", 3, 2800),
    ("C20.30", "chemicals", 2, 6000), ("C21.20", "pharma", 1, 9000), ("C22.29", "plastics", 3, 3200),
    ("C24.10", "steel", 1, 15000), ("C25.62", "metal", 5, 2600), ("C26.11", "electronics", 2, 5000),
    ("C27.12", "electrical", 3, 4200), ("C28.22", "machinery", 4, 12000), ("C29.32", "automotive", 3, 7000),
    ("C31.01", "furniture", 2, 2200), ("C32.50", "medical", 2, 5500), ("D35.11", "energy", 1, 20000),
    ("E38.11", "recycling", 1, 1800), ("F41.20", "construction", 6, 9000), ("F43.21", "installation", 4, 3000),
    ("G45.31", "automotive", 3, 1500), ("G46.39", "wholesale", 5, 2400), ("G46.69", "wholesale", 5, 3600),
    ("G46.73", "wholesale", 3, 4500), ("G47.11", "retail", 4, 1600), ("H49.41", "transport", 5, 1900),
    ("H52.29", "logistics", 4, 2300), ("I55.10", "hotels", 2, 1100), ("I56.10", "catering", 2, 700),
    ("J58.29", "software", 2, 4800), ("J62.01", "software", 3, 6500), ("J62.02", "it", 3, 5200),
    ("M70.22", "consulting", 3, 4000), ("M71.12", "engineering", 3, 5800), ("M73.11", "media", 2, 2100),
    ("N77.32", "rental", 2, 1700), ("N81.21", "cleaning", 2, 1300), ("Q86.10", "healthcare", 2, 3900),
)
_INDUSTRY_WEIGHTS = tuple(i[2] for i in INDUSTRIES)

_SURNAMES: dict[str, tuple[str, ...]] = {
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
           "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Braun", "Zimmermann", "Krüger",
           "Hartmann", "Lange", "Werner", "Krause", "Lehmann", "Köhler", "Huber", "Maier", "Brandt", "Vogel"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
           "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
           "Miller", "Anderson", "Harris", "Martin", "Cooper", "Baker", "Turner", "Parker", "Hughes", "Bennett"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
           "Morel", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine", "Rousseau", "Blanc", "Guerin", "Muller"),
    "es": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez", "Martín",
           "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Álvarez", "Muñoz", "Romero", "Alonso", "Navarro",
           "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Molina", "Castro", "Ortega", "Delgado"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Bruno", "Gallo", "Conti", "De Luca", "Mancini", "Costa", "Giordano", "Rizzo", "Lombardi", "Moretti",
           "Barbieri", "Fontana", "Santoro", "Mariani", "Rinaldi", "Caruso", "Ferrara", "Galli", "Martini", "Leone"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
           "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker",
           "Brouwer", "de Wit", "Dijkstra", "Smits", "de Graaf", "van der Meer", "Kok", "Jacobs", "Vermeulen"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński", "Lewandowski", "Zieliński",
           "Szymański", "Woźniak", "Dąbrowski", "Kozłowski", "Jankowski", "Mazur", "Kwiatkowski", "Krawczyk",
           "Piotrowski", "Grabowski", "Nowakowski", "Pawłowski", "Michalski", "Adamczyk"),
    "cs": ("Novák", "Svoboda", "Novotný", "Dvořák", "Černý", "Procházka", "Kučera", "Veselý", "Horák", "Němec",
           "Marek", "Pospíšil", "Hájek", "Jelínek", "Král", "Růžička", "Beneš", "Fiala", "Sedláček", "Doležal"),
    "sv": ("Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson", "Svensson",
           "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Lindberg", "Lindqvist"),
    "da": ("Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Rasmussen",
           "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen", "Poulsen"),
    "no": ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen",
           "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hagen", "Johannessen"),
    "fi": ("Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine", "Heikkinen",
           "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen", "Salminen", "Heinonen", "Niemi"),
    "pt": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus", "Sousa",
           "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques", "Alves", "Almeida", "Ribeiro", "Pinto", "Carvalho"),
    "ja": ("Sato", "Suzuki", "Takahashi", "Tanaka", "Watanabe", "Ito", "Yamamoto", "Nakamura", "Kobayashi", "Kato",
           "Yoshida", "Yamada", "Sasaki", "Yamaguchi", "Matsumoto", "Inoue", "Kimura", "Hayashi", "Shimizu", "Mori"),
    "ko": ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "Han", "Oh", "Seo", "Shin"),
    "zh": ("Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun", "Ma", "Zhu"),
}
_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "de": ("Anna", "Julia", "Katrin", "Sabine", "Stefanie", "Claudia", "Lena", "Thomas", "Michael", "Andreas",
           "Stefan", "Markus", "Christian", "Jan", "Tobias", "Frank"),
    "en": ("Emma", "Olivia", "Sarah", "Emily", "Jessica", "Laura", "Rachel", "James", "John", "David", "Daniel",
           "Michael", "Robert", "Chris", "Paul", "Mark"),
    "fr": ("Marie", "Camille", "Sophie", "Julie", "Claire", "Isabelle", "Nathalie", "Pierre", "Jean", "Nicolas",
           "Julien", "Antoine", "Philippe", "Laurent", "Olivier", "Thomas"),
    "es": ("María", "Lucía", "Carmen", "Laura", "Ana", "Marta", "Elena", "José", "Javier", "Carlos", "David",
           "Antonio", "Manuel", "Pablo", "Sergio", "Jorge"),
    "it": ("Giulia", "Francesca", "Chiara", "Sara", "Valentina", "Elena", "Laura", "Marco", "Andrea", "Luca",
           "Giuseppe", "Francesco", "Alessandro", "Matteo", "Stefano", "Paolo"),
    "nl": ("Emma", "Sanne", "Lotte", "Anouk", "Femke", "Eva", "Lisa", "Jeroen", "Daan", "Bas", "Thijs", "Ruben",
           "Sander", "Pieter", "Joost", "Maarten"),
    "pl": ("Anna", "Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Marta", "Piotr", "Krzysztof", "Tomasz",
           "Paweł", "Michał", "Marcin"),
    "cs": ("Jana", "Eva", "Hana", "Lucie", "Petra", "Jan", "Petr", "Martin", "Tomáš", "Pavel", "Jiří"),
    "sv": ("Anna", "Maria", "Emma", "Sara", "Karin", "Erik", "Lars", "Anders", "Johan", "Per", "Magnus"),
    "da": ("Mette", "Anne", "Louise", "Camilla", "Sofie", "Lars", "Søren", "Morten", "Rasmus", "Jesper", "Mads"),
    "no": ("Ingrid", "Kari", "Silje", "Ida", "Marte", "Ole", "Lars", "Jon", "Erik", "Magnus", "Henrik"),
    "fi": ("Anna", "Laura", "Johanna", "Sanna", "Aino", "Mikko", "Juha", "Timo", "Jari", "Antti", "Ville"),
    "pt": ("Ana", "Maria", "Beatriz", "Mariana", "Inês", "João", "Pedro", "Tiago", "Miguel", "Rui", "Bruno"),
    "ja": ("Yuki", "Haruka", "Aiko", "Emi", "Naomi", "Hiroshi", "Takashi", "Kenji", "Daisuke", "Satoshi", "Kazuki"),
    "ko": ("Ji-woo", "Seo-yeon", "Min-ji", "Hye-jin", "Min-jun", "Ji-hoon", "Seung-ho", "Dong-hyun", "Jae-won"),
    "zh": ("Wei", "Fang", "Li Na", "Xiu Ying", "Jing", "Lei", "Yong", "Jun", "Tao", "Ming", "Hao"),
}
_BRAND_HEADS = ("Nova", "Inter", "Alpha", "Omni", "Pro", "Euro", "Trans", "Medi", "Agri", "Bio", "Eco", "Prime", "Uni",
                "Vita", "Terra", "Aqua", "Sol", "Lumen", "Axis", "Vector", "Delta", "Orbit", "Quanta", "Nexa",
                "Astra", "Multi", "Poly", "Techno", "Opti", "Inno")
_BRAND_TAILS = ("tec", "tronic", "lux", "med", "flex", "tra", "ware", "gen", "data", "sys", "form", "line", "port",
                "mat", "plan", "com", "nova", "tis", "lab", "works", "net", "star", "point", "pak", "gard")
_HOLDING = {"de": "Holding", "en": "Group", "fr": "Groupe", "es": "Grupo", "it": "Gruppo", "nl": "Groep",
            "pt": "Grupo", "pl": "Grupa"}
_CONTACT_ROLES = (("Accounts payable", 40), ("Finance director", 12), ("Controller", 10), ("Purchasing", 14),
                  ("Treasury", 8), ("Managing director", 8), ("Office manager", 8))
_INVOICE_WORD = {"de": "Rechnung", "fr": "Facture", "es": "Factura", "it": "Fattura", "nl": "Factuur",
                 "pl": "Faktura", "pt": "Fatura", "sv": "Faktura", "da": "Faktura", "no": "Faktura", "fi": "Lasku",
                 "cs": "Faktura"}
_PAYMENT_WORD = {"de": "Zahlung", "fr": "Paiement", "es": "Pago", "it": "Pagamento", "nl": "Betaling",
                 "pl": "Płatność", "pt": "Pagamento", "sv": "Betalning", "da": "Betaling", "no": "Betaling",
                 "fi": "Maksu", "cs": "Platba"}
#: Business length of the IBAN's BBAN and how many leading letters it has.
_IBAN: dict[str, tuple[int, int]] = {
    "DE": (18, 0), "AT": (16, 0), "CH": (17, 0), "FR": (23, 0), "IT": (23, 1), "ES": (20, 0), "PT": (21, 0),
    "NL": (14, 4), "BE": (12, 0), "PL": (24, 0), "CZ": (20, 0), "SE": (20, 0), "DK": (14, 0), "NO": (11, 0),
    "FI": (14, 0), "IE": (18, 4), "GB": (18, 4),
}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ê": "e", "á": "a",
                        "à": "a", "â": "a", "í": "i", "ó": "o", "ô": "o", "ú": "u", "ñ": "n", "ç": "c", "ø": "o",
                        "å": "a", "æ": "ae", "ł": "l", "ś": "s", "ź": "z", "ż": "z", "ą": "a", "ę": "e", "ć": "c",
                        "ń": "n", "š": "s", "č": "c", "ř": "r", "ž": "z", "ý": "y", "ů": "u", "ě": "e", "ã": "a",
                        "õ": "o", "ì": "i", "ò": "o", "ù": "u", "ï": "i", "ë": "e", "ő": "o", "&": "", ",": "",
                        ".": "", "'": "", "(": "", ")": "", "/": ""})

#: Relative invoicing volume by calendar month (mean 1.0).
SEASONALITY = (0.85, 0.92, 1.08, 1.00, 1.02, 1.06, 0.90, 0.78, 1.05, 1.10, 1.12, 1.12)
#: Relative growth of volume per year.
GROWTH_PER_YEAR = 0.06

#: Invoices per year by customer size tier: (invoices per year, weight, typical-amount factor %).
#: The weighted mean is calibrated so that, after onboarding, churn and defaults,
#: customers average INVOICES_PER_CUSTOMER_YEAR invoices per year.
_SIZE_TIERS: tuple[tuple[float, int, int], ...] = (
    (2.3, 30, 60), (4.6, 25, 80), (9.2, 20, 100), (17.3, 13, 120), (34.5, 8, 150), (69.0, 3, 200), (138.0, 1, 260),
)
_SIZE_WEIGHTS = tuple(t[1] for t in _SIZE_TIERS)


# --------------------------------------------------------------------------- identifiers


def _between(rng: random.Random, low: int, high: int) -> int:
    """A uniform integer in [low, high]: like ``randint``, but faster (one IEEE-exact product)."""
    return low + int(rng.random() * (high - low + 1))


def _digits(rng: random.Random, n: int) -> str:
    return str(_between(rng, 10 ** (n - 1), 10**n - 1))


def luhn_check_digit(number: str) -> str:
    """The Luhn digit to append to ``number``."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def mod_11_10_check_digit(number: str) -> str:
    """ISO 7064 MOD 11,10 check digit (German VAT numbers)."""
    product = 10
    for ch in number:
        s = (product + int(ch)) % 10 or 10
        product = (2 * s) % 11
    return str((11 - product) % 10)


def iban(country: str, bban: str) -> str:
    """An IBAN with correct ISO 13616 check digits for ``bban``."""
    numeric = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def _weighted_check(digits: str, weights: tuple[int, ...], modulus: int) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % modulus


def _ids_de(rng: random.Random, legal: str) -> tuple[str, str]:
    base = _digits(rng, 8)
    register = "HRA" if legal in ("KG", "e.K.") else "HRB"
    return f"{register} {_between(rng, 1000, 249999)}", f"DE{base}{mod_11_10_check_digit(base)}"


def _ids_at(rng: random.Random, legal: str) -> tuple[str, str]:
    base = _digits(rng, 7)
    s = 0
    for i, ch in enumerate(base):
        d = int(ch) * (2 if i % 2 else 1)
        s += d // 10 + d % 10
    check = (10 - (s + 4) % 10) % 10
    return f"FN {_between(rng, 10000, 599999)}{rng.choice('abdfghikmpstvwxyz')}", f"ATU{base}{check}"


def _ids_ch(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = _digits(rng, 8)
        check = 11 - _weighted_check(base, (5, 4, 3, 2, 7, 6, 5, 4), 11)
        if check == 11:
            check = 0
        if check < 10:
            break
    uid = f"CHE-{base[:3]}.{base[3:6]}.{base[6:]}{check}"
    return uid, f"{uid} MWST"


def _ids_fr(rng: random.Random, legal: str) -> tuple[str, str]:
    base = _digits(rng, 8)
    siren = base + luhn_check_digit(base)
    key = (12 + 3 * (int(siren) % 97)) % 97
    return f"{siren[:3]} {siren[3:6]} {siren[6:]}", f"FR{key:02d}{siren}"


def _ids_gb(rng: random.Random, legal: str) -> tuple[str, str]:
    base = _digits(rng, 7)
    check = -_weighted_check(base, (8, 7, 6, 5, 4, 3, 2), 97) % 97
    company = ("OC" if legal == "LLP" else "0") + _digits(rng, 6 if legal == "LLP" else 7)
    return company, f"GB{base}{check:02d}"


def _ids_ie(rng: random.Random, legal: str) -> tuple[str, str]:
    digits = _digits(rng, 7)
    total = sum(int(d) * w for d, w in zip(digits, (8, 7, 6, 5, 4, 3, 2), strict=True))
    letter = "WABCDEFGHIJKLMNOPQRSTUV"[total % 23]
    return str(_between(rng, 100000, 749999)), f"IE{digits}{letter}"


def _ids_nl(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = _digits(rng, 8)
        check = _weighted_check(base, (9, 8, 7, 6, 5, 4, 3, 2), 11)
        if check < 10:
            break
    return _digits(rng, 8), f"NL{base}{check}B01"


def _ids_be(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "0" + _digits(rng, 7)
    number = f"{base}{97 - int(base) % 97:02d}"
    return f"{number[:4]}.{number[4:7]}.{number[7:]}", f"BE{number}"


def _ids_it(rng: random.Random, legal: str) -> tuple[str, str]:
    base = _digits(rng, 7) + f"{_between(rng, 1, 100):03d}"
    piva = base + luhn_check_digit(base)
    province = rng.choice(("MI", "RM", "TO", "BO", "VR", "BS", "BG", "FI", "NA", "PD"))
    return f"{province}-{_between(rng, 100000, 2500000)}", f"IT{piva}"


def _ids_es(rng: random.Random, legal: str) -> tuple[str, str]:
    letter = "B" if legal == "S.L." else "A"
    digits = _digits(rng, 7)
    total = 0
    for i, ch in enumerate(digits):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d // 10 + d % 10
        total += d
    cif = f"{letter}{digits}{(10 - total % 10) % 10}"
    return cif, f"ES{cif}"


def _ids_pl(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = _digits(rng, 9)
        check = _weighted_check(base, (6, 5, 7, 2, 3, 4, 5, 6, 7), 11)
        if check < 10:
            break
    return f"KRS {_between(rng, 1, 999999):010d}", f"PL{base}{check}"


def _ids_se(rng: random.Random, legal: str) -> tuple[str, str]:
    base = "55" + _digits(rng, 7)
    number = base + luhn_check_digit(base)
    return f"{number[:6]}-{number[6:]}", f"SE{number}01"


def _ids_dk(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = _digits(rng, 7)
        check = -_weighted_check(base, (2, 7, 6, 5, 4, 3, 2), 11) % 11
        if check < 10:
            break
    cvr = f"{base}{check}"
    return cvr, f"DK{cvr}"


def _ids_no(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = rng.choice("89") + _digits(rng, 7)
        check = 11 - _weighted_check(base, (3, 2, 7, 6, 5, 4, 3, 2), 11)
        if check == 11:
            check = 0
        if check < 10:
            break
    number = f"{base}{check}"
    return number, f"NO{number}MVA"


def _ids_fi(rng: random.Random, legal: str) -> tuple[str, str]:
    while True:
        base = _digits(rng, 7)
        rest = _weighted_check(base, (7, 9, 10, 5, 8, 4, 2), 11)
        check = 0 if rest == 0 else 11 - rest
        if check < 10:
            break
    return f"{base}-{check}", f"FI{base}{check}"


def _ids_jp(rng: random.Random, legal: str) -> tuple[str, str]:
    body = _digits(rng, 12)
    total = sum(int(d) * (2 if i % 2 else 1) for i, d in enumerate(reversed(body), start=1))
    number = f"{9 - total % 9}{body}"
    return number, f"T{number}"


def _ids_us(rng: random.Random, legal: str) -> tuple[str, str]:
    prefix = rng.choice((10, 12, 20, 26, 27, 30, 33, 35, 38, 45, 46, 47, 52, 56, 61, 77, 81, 84, 88, 91, 94, 95))
    state = rng.choice(("DE", "NY", "CA", "TX", "IL", "NJ", "FL", "OH", "WA", "MA"))
    return f"{state} {_between(rng, 1000000, 7999999)}", f"{prefix}-{_digits(rng, 7)}"


def _ids_other(rng: random.Random, country: str) -> tuple[str, str]:
    formats: dict[str, Callable[[], tuple[str, str]]] = {
        "CZ": lambda: (f"{_digits(rng, 8)}", f"CZ{_digits(rng, 8)}"),
        "PT": lambda: (f"{rng.choice('5')}{_digits(rng, 8)}", ""),
        "CA": lambda: (f"{_digits(rng, 7)}", f"{_digits(rng, 9)} RT0001"),
        "MX": lambda: ("", f"{''.join(rng.choice(_LETTERS) for _ in range(3))}{_digits(rng, 6)}{_digits(rng, 3)}"),
        "BR": lambda: ("", f"{_digits(rng, 2)}.{_digits(rng, 3)}.{_digits(rng, 3)}/0001-{_digits(rng, 2)}"),
        "KR": lambda: (f"{_digits(rng, 6)}-{_digits(rng, 7)}", f"{_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 5)}"),
        "CN": lambda: ("", f"91{_digits(rng, 6)}MA{_digits(rng, 6)}{rng.choice(_LETTERS)}{rng.choice(_LETTERS)}"),
        "SG": lambda: (f"20{_digits(rng, 7)}{rng.choice(_LETTERS)}", f"M{_digits(rng, 8)}{rng.choice(_LETTERS)}"),
        "AU": lambda: (f"{_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}", f"{_digits(rng, 2)} {_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}"),
        "IN": lambda: (f"U{_digits(rng, 5)}MH{_between(rng, 1990, 2023)}PTC{_digits(rng, 6)}", f"27{''.join(rng.choice(_LETTERS) for _ in range(5))}{_digits(rng, 4)}{rng.choice(_LETTERS)}1Z{rng.choice(_LETTERS)}"),
    }
    make = formats.get(country)
    return make() if make else (_digits(rng, 8), "")


_ID_MAKERS = {
    "DE": _ids_de, "AT": _ids_at, "CH": _ids_ch, "FR": _ids_fr, "GB": _ids_gb, "IE": _ids_ie, "NL": _ids_nl,
    "BE": _ids_be, "IT": _ids_it, "ES": _ids_es, "PL": _ids_pl, "SE": _ids_se, "DK": _ids_dk, "NO": _ids_no,
    "FI": _ids_fi, "JP": _ids_jp, "US": _ids_us,
}


def company_ids(rng: random.Random, country: str, legal: str) -> tuple[str, str]:
    """(registration id, tax/VAT id) in the country's format, with valid check digits where known."""
    maker = _ID_MAKERS.get(country)
    return maker(rng, legal) if maker else _ids_other(rng, country)


def _bank_account(rng: random.Random, country: str) -> str:
    spec = _IBAN.get(country)
    if spec is not None:
        length, letters = spec
        bban = "".join(rng.choice(_LETTERS) for _ in range(letters)) + _digits(rng, length - letters)
        return iban(country, bban)
    if country == "US":
        routing = _digits(rng, 8)
        check = -_weighted_check(routing, (3, 7, 1, 3, 7, 1, 3, 7), 10) % 10
        return f"{routing}{check} {_digits(rng, 10)}"
    return f"{_digits(rng, 4)}-{_digits(rng, 3)}-{_digits(rng, 7)}"


def _phone(rng: random.Random, country: str) -> str:
    code = COUNTRIES[country].phone
    if country == "GB":
        return f"+44 20 7946 0{_between(rng, 0, 999):03d}"  # Ofcom range reserved for drama
    if code == "+1":
        return f"+1 {_between(rng, 201, 989)} 555 01{_between(rng, 0, 99):02d}"  # 555-0100..0199 are fictional
    return f"{code} {_between(rng, 10, 99)} {_digits(rng, _between(rng, 6, 8))}"


# --------------------------------------------------------------------------- names


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def _slug(text: str) -> str:
    return "-".join(text.lower().translate(_ASCII).replace("-", " ").split())


def _trade_word(trade: str, lang: str) -> str:
    return _TRADES[trade][_TRADE_LANGS.get(lang, 0)]


def _legal_form(rng: random.Random, country: str, lang: str) -> str:
    if country == "CH" and lang != "de":
        return rng.choice(("SA", "Sàrl")) if lang == "fr" else "SA"
    if country == "BE":
        small = rng.random() < 0.6
        return ("BV" if small else "NV") if lang == "nl" else ("SRL" if small else "SA")
    return _pick(rng, COUNTRIES[country].legal_forms)


def _stem(rng: random.Random, country: str, lang: str) -> tuple[str, bool]:
    """The distinctive part of a company name, and whether it reads as a brand."""
    surnames = _SURNAMES.get(lang, _SURNAMES["en"])
    r = rng.random()
    if r < 0.42:
        return rng.choice(surnames), False
    if r < 0.62:
        return rng.choice(COUNTRIES[country].places), False
    if r < 0.74:
        a, b = rng.sample(surnames, 2)
        return f"{a} & {b}", True
    return rng.choice(_BRAND_HEADS) + rng.choice(_BRAND_TAILS), True


def _compose(stem: str, word: str, legal: str, lang: str) -> str:
    if not word:
        return f"{stem} {legal}"
    if lang in ("fr", "es", "it") and word in _ROMANCE_WORDS:
        return f"{word} {stem} {legal}"
    return f"{stem} {word} {legal}"


def _person(rng: random.Random, lang: str) -> tuple[str, str]:
    first = rng.choice(_FIRST_NAMES.get(lang, _FIRST_NAMES["en"]))
    return first, rng.choice(_SURNAMES.get(lang, _SURNAMES["en"]))


# --------------------------------------------------------------------------- dates


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _weekday(ordinal: int) -> int:
    """0 = Monday (ordinal 1 is Monday 1 January of year 1)."""
    return (ordinal - 1) % 7


def _next_business(ordinal: int) -> int:
    wd = (ordinal - 1) % 7
    return ordinal + 2 if wd == 5 else ordinal + 1 if wd == 6 else ordinal


def _prev_business(ordinal: int) -> int:
    wd = (ordinal - 1) % 7
    return ordinal - 1 if wd == 5 else ordinal - 2 if wd == 6 else ordinal


class _Month(NamedTuple):
    first: int
    last: int
    factor: float  # seasonality x growth
    last_business: int
    run_day: int  # monthly payment run: the 25th or the business day before


# --------------------------------------------------------------------------- simulation state


class _Profile:
    """One customer's hidden traits: who they are, how much they buy, how they pay."""

    __slots__ = (
        "id", "account", "name", "country", "lang", "company_id", "currency", "second", "industry", "trade",
        "typical", "rate", "terms_id", "behaviour", "since", "until", "default_on", "base_delay", "turn", "slope",
        "run", "run_weekday", "payer", "bank_account", "status", "stem", "legal", "parent_id", "domain",
    )
    id: int
    account: str
    name: str
    country: str
    lang: str
    company_id: int
    currency: str
    industry: str
    trade: str
    typical: int  # typical invoice in EUR cents
    rate: float  # invoices per year
    terms_id: int
    behaviour: str
    since: int  # date ordinals from here on
    until: int
    base_delay: int
    run: int  # 0 = a payment per invoice, 1 = same-day invoices together, 7/14/30 = payment runs
    run_weekday: int
    bank_account: str
    status: str
    stem: str
    legal: str
    domain: str

    def __init__(self) -> None:
        self.second: tuple[int, str, int] | None = None  # (company id, currency, share of invoices in %)
        self.default_on: int | None = None
        self.turn = 0  # deteriorating: when it starts
        self.slope = 0  # deteriorating: extra days late per 1000 days
        self.parent_id: int | None = None
        self.payer: _Profile = self


class _Item:
    __slots__ = ("seq", "kind", "company_id", "customer_id", "doc", "due", "currency", "amount", "order_ref",
                 "customer_ref", "billing_of", "id", "number", "settled", "first_alloc")

    def __init__(self, seq: int, kind: str, company_id: int, customer_id: int, doc: int, due: int, currency: str,
                 amount: int) -> None:
        self.seq, self.kind, self.company_id, self.customer_id = seq, kind, company_id, customer_id
        self.doc, self.due, self.currency, self.amount = doc, due, currency, amount
        self.order_ref = ""
        self.customer_ref = ""
        self.billing_of: _Item | None = None
        self.id = 0
        self.number = ""
        self.settled = 0  # allocated (targets) or used (credit notes), active allocations only
        self.first_alloc = 1 << 40


class _Payment:
    __slots__ = ("seq", "company_id", "customer_id", "day", "currency", "amount", "payer_name", "payer_account",
                 "text", "id", "used", "applied_on", "parts")

    def __init__(self, seq: int, company_id: int, customer_id: int | None, day: int, currency: str) -> None:
        self.seq, self.company_id, self.customer_id, self.day, self.currency = seq, company_id, customer_id, day, currency
        self.amount = 0
        self.payer_name = ""
        self.payer_account = ""
        self.text = ""
        self.id = 0
        self.used = 0
        self.applied_on = day
        self.parts: list[tuple[_Item, int]] = []


class _Alloc:
    __slots__ = ("seq", "target", "payment", "credit", "amount", "applied", "reversed", "note")

    def __init__(self, seq: int, target: _Item, payment: _Payment | None, credit: _Item | None, amount: int,
                 applied: int, note: str = "") -> None:
        self.seq, self.target, self.payment, self.credit = seq, target, payment, credit
        self.amount, self.applied, self.note = amount, applied, note
        self.reversed: int | None = None


#: A planned payment: (payer profile, item, amount in minor units, day, may join a payment run).
_Event = tuple[_Profile, _Item, int, int, bool]


_POW10 = (1, 10, 100, 1000)


def _minor(eur_cents: int, currency: str) -> int:
    places, num, den = CURRENCIES[currency]
    return max(1, eur_cents * num * _POW10[places] // (den * 100))


def _decimal(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-CURRENCIES[currency][0])


# --------------------------------------------------------------------------- the generator


class PortfolioGenerator:
    """Plans a portfolio and produces its rows, group by group (see the module docstring)."""

    def __init__(self, *, customers: int, years: int, seed: int, as_of: dt.date) -> None:
        if customers < 1:
            raise ValueError("customers must be at least 1")
        if not 1 <= years <= 20:
            raise ValueError("years must be between 1 and 20")
        self.customers, self.years, self.seed, self.as_of = customers, years, seed, as_of
        self.start = _years_before(as_of, years)
        self._start, self._end = self.start.toordinal(), as_of.toordinal()
        self._months = self._month_table()
        self._run_days = [m.run_day for m in self._months]
        self._numbers: dict[tuple[int, str], int] = {}
        self._next = {"contact": 1, "item": 1, "payment": 1, "allocation": 1}

    # ---------------------------------------------------------------- static parts

    def companies(self) -> list[CompanyRow]:
        return [CompanyRow(i + 1, code, name, cur, country) for i, (code, name, cur, country) in enumerate(COMPANIES)]

    def payment_terms(self) -> list[PaymentTermsRow]:
        return [PaymentTermsRow(i + 1, *t) for i, t in enumerate(TERMS)]

    def fx_rates(self) -> Iterator[FxRateRow]:
        """Daily (Monday to Friday) EUR reference rates for every other currency used."""
        rng = random.Random(f"credere-demo/{self.seed}/fx")
        quotes = sorted(_FX_START)
        anchors = {q: int(Decimal(_FX_START[q][0]).scaleb(6)) for q in quotes}
        rates = dict(anchors)
        places = {q: Decimal(1).scaleb(-_FX_START[q][1]) for q in quotes}
        next_id = 1
        for day in range(self._start - 7, self._end + 1):
            if _weekday(day) >= 5:
                continue
            date = dt.date.fromordinal(day)
            for q in quotes:
                r = rates[q]
                r += r * _between(rng, -55, 55) // 10000 + (anchors[q] - r) // 250
                rates[q] = r
                yield FxRateRow(next_id, date, "EUR", q, Decimal(r).scaleb(-6).quantize(places[q]), FX_SOURCE)
                next_id += 1

    # ---------------------------------------------------------------- groups

    def group_sizes(self) -> list[int]:
        """Sizes of the corporate groups, in order (1 = a standalone customer)."""
        rng = random.Random(f"credere-demo/{self.seed}/plan")
        sizes = []
        left = self.customers
        while left > 0:
            size = 1
            if left > 1 and rng.random() < 0.045:
                size = min(left, rng.choice((2, 2, 3, 3, 4, 5, 6, 8, 12)))
            sizes.append(size)
            left -= size
        return sizes

    def batches(self) -> Iterator[Batch]:
        index = 0
        for gi, size in enumerate(self.group_sizes()):
            yield self._group(gi, index, size)
            index += size

    def rows(self) -> Iterator[Row]:
        """All rows in load order: companies, terms, FX rates, then each group's rows."""
        yield from self.companies()
        yield from self.payment_terms()
        yield from self.fx_rates()
        for batch in self.batches():
            yield from batch.rows()

    # ---------------------------------------------------------------- calendar

    def _month_table(self) -> list[_Month]:
        months = []
        year, month = self.start.year, self.start.month
        mid = (self._start + self._end) / 2
        while True:
            first = dt.date(year, month, 1)
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            f, last = first.toordinal(), nxt.toordinal() - 1
            factor = SEASONALITY[month - 1] * (1 + GROWTH_PER_YEAR * ((f + last) / 2 - mid) / 365.25)
            run = _prev_business(first.replace(day=25).toordinal())
            months.append(_Month(f, last, factor, _prev_business(last), run))
            if (year, month) == (self.as_of.year, self.as_of.month):
                break
            year, month = nxt.year, nxt.month
        # One month beyond as_of so that payment runs after the last month resolve.
        first = dt.date(year + (month == 12), month % 12 + 1, 1)
        f = first.toordinal()
        months.append(_Month(f, f + 27, 0.0, f + 27, _prev_business(first.replace(day=25).toordinal())))
        return months

    def _run_day(self, payer: _Profile, day: int) -> int:
        """The payment-run day on or after ``day`` for a payer that pays in runs."""
        run = payer.run
        if run == 7:
            return day + (payer.run_weekday - _weekday(day)) % 7
        if run == 14:
            d = day + (payer.run_weekday - _weekday(day)) % 7
            return d if (d // 7) % 2 == 0 else d + 7
        i = bisect.bisect_left(self._run_days, day)  # monthly
        return self._run_days[i] if i < len(self._run_days) else day

    # ---------------------------------------------------------------- customers

    def _profile(self, rng: random.Random, index: int, parent: _Profile | None) -> _Profile:
        p = _Profile()
        p.id = index + 1
        p.account = f"C{index + 1:06d}"
        if parent is not None and rng.random() < 0.5:
            country = parent.country
        else:
            country = rng.choices(_COUNTRY_CODES, _COUNTRY_WEIGHTS)[0]
        c = COUNTRIES[country]
        p.country, p.lang = country, rng.choice(c.languages)
        p.company_id, p.currency = _COMPANY_ID[c.company], c.currency
        if rng.random() < 0.08:
            other = rng.choice([cid for cid in _COMPANY_CURRENCY if cid != p.company_id])
            p.second = (other, _COMPANY_CURRENCY[other], _between(rng, 15, 45))
        code, trade, _w, typical = rng.choices(INDUSTRIES, _INDUSTRY_WEIGHTS)[0]
        p.industry, p.trade = code, trade
        rate, _w, size_factor = rng.choices(_SIZE_TIERS, _SIZE_WEIGHTS)[0]
        p.rate = rate * (0.75 + 0.5 * rng.random())
        p.typical = typical * 100 * size_factor // 100 * _between(rng, 60, 150) // 100
        self._name(rng, p, parent)
        p.terms_id = self._terms(rng, country)
        self._behaviour(rng, p, parent)
        self._payment_style(rng, p)
        p.bank_account = _bank_account(rng, country)
        return p

    def _name(self, rng: random.Random, p: _Profile, parent: _Profile | None) -> None:
        p.legal = _legal_form(rng, p.country, p.lang)
        if parent is None:
            p.stem, brand = _stem(rng, p.country, p.lang)
            word = "" if brand and rng.random() < 0.5 else _trade_word(p.trade, p.lang)
        else:
            p.stem = parent.stem
            word = _trade_word(p.trade, p.lang) if rng.random() < 0.6 else COUNTRIES[p.country].name
        p.name = _compose(p.stem, word, p.legal, p.lang)
        if parent is not None and word == COUNTRIES[p.country].name:
            p.name = f"{p.stem} {word} {p.legal}"
        p.domain = f"{_slug(p.stem + ' ' + word)}.example"

    def _terms(self, rng: random.Random, country: str) -> int:
        options: tuple[tuple[str, int], ...]
        if country in ("FR", "IT", "ES", "PT"):
            options = (("NET60", 50), ("NET45", 20), ("NET30", 20), ("NET90", 10))
        elif country in ("DE", "AT", "CH", "NL", "BE", "PL", "CZ"):
            options = (("NET30", 45), ("2-10-NET30", 25), ("NET14", 12), ("1-14-NET45", 8), ("NET60", 10))
        elif country == "JP":
            options = (("NET60", 50), ("NET30", 30), ("NET90", 20))
        else:
            options = (("NET30", 55), ("NET45", 15), ("NET60", 15), ("2-10-NET30", 10), ("NET14", 5))
        return _TERM_ID[_pick(rng, options)]

    def _behaviour(self, rng: random.Random, p: _Profile, parent: _Profile | None) -> None:
        if parent is not None and rng.random() < 0.7:
            p.behaviour = parent.behaviour
        else:
            p.behaviour = rng.choices(list(BEHAVIOURS), list(BEHAVIOURS.values()))[0]
        span = self._end - self._start
        if rng.random() < 0.72:  # a customer since before the period
            p.since = self._start - _between(rng, 30, 3000)
        else:
            p.since = _between(rng, self._start, max(self._start, self._end - 45))
        p.until = self._end
        p.status = "active"
        b = p.behaviour
        p.base_delay = {"prompt": 0, "slow": _between(rng, 6, 20), "chronically_late": _between(rng, 35, 75),
                        "deteriorating": _between(rng, 0, 5), "disputing": _between(rng, 0, 12),
                        "defaulting": _between(rng, 10, 35)}[b]
        if b == "deteriorating":
            p.turn = self._start + _between(rng, 0, span * 6 // 10)
            p.slope = _between(rng, 40, 100) * 1000 // max(30, self._end - p.turn)
        elif b == "defaulting":
            lo = max(p.since + 90, self._start + span // 4)
            p.default_on = _between(rng, lo, max(lo, self._end - 20))
            p.until = min(self._end, p.default_on + _between(rng, 20, 90))
            if p.default_on <= self._end:
                p.status = "blocked" if self._end - p.default_on > 60 else "on_hold"
        elif rng.random() < 0.04 and self._end - p.since > 200:
            p.until = _between(rng, max(self._start, p.since) + 60, self._end - 60)
            p.status = "closed"
        elif b == "chronically_late" and rng.random() < 0.25:
            p.status = "on_hold"

    def _payment_style(self, rng: random.Random, p: _Profile) -> None:
        r = rng.random()
        big = p.rate >= 18
        if r < (0.20 if big else 0.45):
            p.run = 0  # one payment per invoice
        elif r < (0.35 if big else 0.65):
            p.run = 1  # invoices falling due together are paid together
        else:
            p.run = rng.choice((7, 7, 14, 30))
        p.run_weekday = rng.choice((1, 3, 4, 4))

    def _customer_row(self, p: _Profile, rng: random.Random) -> CustomerRow:
        reg, tax = company_ids(rng, p.country, p.legal)
        since = dt.date.fromordinal(min(p.since, self._end))
        return CustomerRow(p.id, p.account, p.name, reg, tax, p.country, p.industry, p.lang, p.parent_id,
                           p.terms_id, p.status, since)

    def _contacts(self, rng: random.Random, p: _Profile, batch: Batch) -> None:
        n = 1 + (rng.random() < 0.6) + (rng.random() < 0.25)
        for _ in range(n):
            first, last = _person(rng, p.lang)
            role = _pick(rng, _CONTACT_ROLES)
            email = f"{_slug(first).replace('-', '')}.{_slug(last).replace('-', '')}@{p.domain}"
            if rng.random() < 0.15:
                email = f"{'ap' if role == 'Accounts payable' else 'info'}@{p.domain}"
            batch.contacts.append(ContactRow(self._next["contact"], p.id, f"{first} {last}", role, email,
                                             _phone(rng, p.country)))
            self._next["contact"] += 1

    # ---------------------------------------------------------------- invoices

    def _invoice_days(self, rng: random.Random, p: _Profile) -> list[int]:
        lo_all, hi_all = max(p.since, self._start), min(p.until, self._end)
        days: list[int] = []
        if hi_all < lo_all:
            return days
        monthly = p.rate / 12
        for m in self._months:
            if m.last < lo_all or m.first > hi_all:
                continue
            lo, hi = max(m.first, lo_all), min(m.last, hi_all)
            expected = monthly * m.factor * (hi - lo + 1) / (m.last - m.first + 1) * (0.7 + 0.6 * rng.random())
            n = int(expected + rng.random())
            for _ in range(n):
                if rng.random() < 0.12 and lo <= m.last_business <= hi:
                    days.append(m.last_business)
                    continue
                d = _between(rng, lo, hi)
                wd = _weekday(d)
                if wd >= 5:
                    d2 = d - 1 if wd == 5 else d + 1
                    if not lo <= d2 <= hi:
                        d2 = d + 2 if wd == 5 else d - 2
                    d = d2 if lo <= d2 <= hi else d
                days.append(d)
        days.sort()
        return days

    # ---------------------------------------------------------------- one group

    def _group(self, gi: int, first_index: int, size: int) -> Batch:
        rng = random.Random(f"credere-demo/{self.seed}/group/{gi}")
        batch = Batch()
        profiles: list[_Profile] = []
        for k in range(size):
            parent = profiles[0] if k else None
            p = self._profile(rng, first_index + k, parent)
            if parent is not None:
                p.parent_id = parent.id
            profiles.append(p)
        if size > 1 and rng.random() < 0.4:  # the holding pays centrally for the whole group
            for p in profiles[1:]:
                p.payer = profiles[0]
                p.behaviour = profiles[0].behaviour
                p.base_delay, p.turn, p.slope = profiles[0].base_delay, profiles[0].turn, profiles[0].slope
        if size > 1 and rng.random() < 0.5:
            top = profiles[0]
            top.name = _compose(top.stem, _HOLDING.get(top.lang, "Group"), top.legal, top.lang)
        seen = {profiles[0].name}
        for p in profiles[1:]:
            if p.name in seen:
                p.name = _compose(p.stem, rng.choice(COUNTRIES[p.country].places), p.legal, p.lang)
            seen.add(p.name)
        sim = _Simulation(self, rng)
        for p in profiles:
            batch.customers.append(self._customer_row(p, rng))
            batch.behaviours[p.id] = p.behaviour
            self._contacts(rng, p, batch)
            sim.customer(p)
        sim.unidentified(profiles)
        sim.finish(batch)
        return batch

    def _number(self, company_id: int, kind: str) -> str:
        key = (company_id, kind)
        n = self._numbers.get(key, 0) + 1
        self._numbers[key] = n
        prefix = {"invoice": "INV", "credit_note": "CN", "debit_note": "DN", "payment": "BK"}[kind]
        return f"{prefix}-{_COMPANY_SHORT[company_id]}-{n:08d}"

    def _take(self, table: str) -> int:
        n = self._next[table]
        self._next[table] = n + 1
        return n


class _Simulation:
    """Invoices, credit/debit notes, payments and allocations of one group."""

    def __init__(self, gen: PortfolioGenerator, rng: random.Random) -> None:
        self.gen, self.rng = gen, rng
        self.end = gen._end
        self.items: list[_Item] = []
        self.events: list[_Event] = []
        self.allocs: list[_Alloc] = []
        self.payments: list[_Payment] = []
        self.seq = 0

    def _seq(self) -> int:
        self.seq += 1
        return self.seq

    # ------------------------------------------------------------ items

    def customer(self, p: _Profile) -> None:
        rng = self.rng
        net = _TERM_NET[p.terms_id]
        for doc in self.gen._invoice_days(rng, p):
            company_id, currency = p.company_id, p.currency
            if p.second is not None and _between(rng, 1, 100) <= p.second[2]:
                company_id, currency = p.second[0], p.second[1]
            eur = p.typical * _between(rng, 25, 220) // 100 + _between(rng, 0, 99)
            item = _Item(self._seq(), "invoice", company_id, p.id, doc, doc + net, currency, _minor(eur, currency))
            if rng.random() < 0.8:
                item.order_ref = f"SO-{_between(rng, 100000, 999999)}"
            if rng.random() < 0.6:
                item.customer_ref = f"PO {_between(rng, 4500000000, 4599999999)}"
            self.items.append(item)
            self.settle(p, item)
            if rng.random() < 0.01:
                self.debit_note(p, item)

    def debit_note(self, p: _Profile, invoice: _Item) -> None:
        doc = _next_business(invoice.doc + _between(self.rng, 15, 60))
        if doc > self.end:
            return
        amount = max(1, invoice.amount * _between(self.rng, 2, 12) // 100)
        item = _Item(self._seq(), "debit_note", invoice.company_id, p.id, doc, doc + 14, invoice.currency, amount)
        item.billing_of = invoice
        item.order_ref = invoice.order_ref
        self.items.append(item)
        self.settle(p, item)

    def credit_note(self, target: _Item, amount: int, day: int, applied: int | None, note: str) -> None:
        """A credit note for ``amount`` (positive minor units), applied to ``target`` on ``applied``."""
        if day > self.end:
            return
        cn = _Item(self._seq(), "credit_note", target.company_id, target.customer_id, day, day, target.currency,
                   -amount)
        cn.billing_of = target
        cn.order_ref = target.order_ref
        self.items.append(cn)
        if applied is not None and applied <= self.end:
            self.allocs.append(_Alloc(self._seq(), target, None, cn, amount, max(applied, day), note))

    # ------------------------------------------------------------ settlement plan

    def pay_day(self, p: _Profile, item: _Item) -> int:
        rng = self.rng
        b, due = p.behaviour, item.due
        if b == "prompt":
            delay = _between(rng, -8, 4)
        elif b == "slow":
            delay = p.base_delay + _between(rng, -6, 14)
        elif b == "chronically_late":
            delay = p.base_delay + _between(rng, -15, 35)
        elif b == "deteriorating":
            delay = p.base_delay + max(0, due - p.turn) * p.slope // 1000 + _between(rng, -6, 10)
        elif b == "disputing":
            delay = p.base_delay + _between(rng, -5, 15)
        else:
            delay = p.base_delay + _between(rng, -10, 25)
            if p.default_on is not None:
                delay += max(0, 90 - (p.default_on - due)) // 2
        if rng.random() < 0.03:  # an invoice forgotten in a drawer
            delay += _between(rng, 30, 90)
        return _next_business(max(due + delay, item.doc + 1))

    def settle(self, p: _Profile, item: _Item) -> None:
        """Plan how ``item`` gets paid: payments, credit notes, or nothing."""
        rng = self.rng
        payer = p.payer
        pay = self.pay_day(p, item)
        remaining = item.amount
        if p.default_on is not None and pay >= p.default_on:
            if pay - p.default_on < 60 and rng.random() < 0.3:  # a last partial payment
                day = _next_business(max(item.doc + 1, p.default_on - _between(rng, 1, 25)))
                self.events.append((payer, item, remaining * _between(rng, 20, 60) // 100 or 1, day, True))
            return
        if rng.random() < (0.08 if p.behaviour == "disputing" else 0.025):  # goods returned, price corrected
            remaining = self._return(item, pay, remaining)
            if remaining == 0:
                return
        if rng.random() < (0.2 if p.behaviour == "disputing" else 0.02):
            pay = self._dispute(payer, item, pay, remaining)
            if pay == 0:
                return
        discount = _TERM_DISCOUNT.get(p.terms_id)
        if discount and remaining == item.amount and rng.random() < {"prompt": 0.7, "slow": 0.15,
                                                                       "disputing": 0.3}.get(p.behaviour, 0.05):
            days, bp = discount
            day = max(item.doc, _prev_business(item.doc + days - _between(rng, 0, 4)))
            cut = remaining * bp // 10000
            if cut > 0:
                self.events.append((payer, item, remaining - cut, day, False))
                self.credit_note(item, cut, day, day, "Cash discount taken")
                return
        if rng.random() < {"chronically_late": 0.15, "defaulting": 0.15, "slow": 0.06,
                           "deteriorating": 0.06}.get(p.behaviour, 0.02):  # paid in instalments
            first = remaining * _between(rng, 30, 70) // 100
            if first > 0:
                day = _next_business(max(item.doc + 3, pay - _between(rng, 15, 45)))
                self.events.append((payer, item, first, day, True))
                remaining -= first
        if rng.random() < 0.012:  # bank charges deducted from the transfer
            fee = _minor(_between(rng, 500, 3500), item.currency)
            if remaining > 10 * fee:
                remaining -= fee
        self.events.append((payer, item, remaining, pay, True))

    def _return(self, item: _Item, pay: int, remaining: int) -> int:
        rng = self.rng
        day = _next_business(item.doc + _between(rng, 3, 30))
        share = 100 if rng.random() < 0.2 else _between(rng, 5, 60)
        amount = max(1, remaining * share // 100)
        if day < pay and rng.random() < 0.85:
            self.credit_note(item, amount, day, min(pay, _next_business(day + _between(rng, 0, 3))),
                             "Credit note for returned goods")
            return remaining - amount
        self.credit_note(item, amount, day, None, "")  # left on the account as a credit balance
        return remaining

    def _dispute(self, payer: _Profile, item: _Item, pay: int, remaining: int) -> int:
        """A disputed item: short-paid, paid much later, or left open. Returns the pay day (0 = done)."""
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            part = remaining * _between(rng, 70, 95) // 100
            if part > 0:
                self.events.append((payer, item, part, pay, True))
            if rng.random() < 0.7:
                day = _next_business(pay + _between(rng, 30, 150))
                self.credit_note(item, remaining - part, day, day, "Dispute settled by credit note")
            return 0
        if r < 0.8:
            return _next_business(pay + _between(rng, 30, 120))
        return 0

    # ------------------------------------------------------------ payments

    def unidentified(self, profiles: list[_Profile]) -> None:
        """Cash that the bank statement does not tie to a customer."""
        rng = self.rng
        for p in profiles:
            if rng.random() >= 0.004 + 0.0004 * p.rate:
                continue
            day = _prev_business(self.end - _between(rng, 0, 90))
            pay = _Payment(self._seq(), p.company_id, None, day, p.currency)
            pay.amount = _minor(p.typical * _between(rng, 30, 150) // 100, p.currency)
            pay.payer_name = p.name.rsplit(" ", 1)[0].upper()[:35]
            pay.payer_account = p.bank_account
            pay.text = rng.choice(("", "TRANSFER", _PAYMENT_WORD.get(p.lang, "Payment").upper()))
            self.payments.append(pay)

    def _build_payments(self) -> None:
        rng, gen, end = self.rng, self.gen, self.end
        runs: dict[tuple[object, ...], _Payment] = {}
        for payer, item, amount, day, mergeable in self.events:
            if amount <= 0:
                continue
            if not mergeable or payer.run == 0:
                key: tuple[object, ...] = (payer.id, item.company_id, day, self._seq())
            elif payer.run == 1:
                key = (payer.id, item.company_id, day, item.currency)
            else:
                day = gen._run_day(payer, day)
                key = (payer.id, item.company_id, day, item.currency)
            if day > end:
                continue
            pay = runs.get(key)
            if pay is None:
                pay = runs[key] = _Payment(self._seq(), item.company_id, payer.id, day, item.currency)
                pay.payer_name = payer.name if rng.random() < 0.85 else payer.name.upper()[:35]
                pay.payer_account = payer.bank_account
                self.payments.append(pay)
            pay.parts.append((item, amount))
            pay.amount += amount
        for pay in runs.values():
            self._apply(pay)

    def _apply(self, pay: _Payment) -> None:
        rng = self.rng
        applied = pay.day if rng.random() < 0.85 else _next_business(pay.day + _between(rng, 1, 3))
        pay.applied_on = applied
        if rng.random() < 0.01:  # paid too much
            pay.amount += max(1, pay.amount * _between(rng, 1, 10) // 100)
        if applied > self.end:  # received, not applied yet
            return
        for item, amount in pay.parts:
            self.allocs.append(_Alloc(self._seq(), item, pay, None, amount, applied))

    def _remittance(self, pay: _Payment, lang: str, account: str) -> str:
        numbers = [item.number for item, _a in pay.parts]
        r = self.rng.random()
        if not numbers or r < 0.07:
            return _PAYMENT_WORD.get(lang, "Payment")
        if r < 0.12:
            return f"{_PAYMENT_WORD.get(lang, 'Payment')} {account}"
        word = _INVOICE_WORD.get(lang, "Invoice")
        if len(numbers) > 6:
            return f"{word} {' '.join(numbers[:6])} +{len(numbers) - 6}"
        return f"{word} {' '.join(numbers)}"

    def _misapply(self) -> None:
        """A few payments first applied to the wrong invoice, reversed, then applied correctly."""
        rng, end = self.rng, self.end
        for a in self.allocs:
            t = a.target
            if a.applied < t.first_alloc:
                t.first_alloc = a.applied
        singles = [a for a in self.allocs if a.payment is not None and len(a.payment.parts) == 1]
        extra = []
        for a in singles:
            if rng.random() >= 0.006:
                continue
            fixed = _next_business(a.applied + _between(rng, 2, 20))
            if fixed > end:
                continue
            wrong = [x for x in self.items if x.kind != "credit_note" and x is not a.target
                     and x.customer_id == a.target.customer_id and x.company_id == a.target.company_id
                     and x.currency == a.target.currency and x.doc <= a.applied and x.first_alloc > fixed]
            if not wrong:
                continue
            other = rng.choice(wrong)
            bad = _Alloc(self._seq(), other, a.payment, None, min(a.amount, other.amount), a.applied,
                         "Applied to the wrong invoice")
            bad.reversed = fixed
            other.first_alloc = a.applied
            a.applied, a.note = fixed, "Re-applied after correcting a misapplication"
            extra.append(bad)
        self.allocs.extend(extra)

    # ------------------------------------------------------------ rows

    def finish(self, batch: Batch) -> None:
        gen = self.gen
        self.items.sort(key=lambda i: (i.doc, i.seq))
        for item in self.items:
            item.id = gen._take("item")
            item.number = gen._number(item.company_id, item.kind)
        self._build_payments()
        self._misapply()
        for a in self.allocs:
            if a.reversed is None:
                a.target.settled += a.amount
                if a.payment is not None:
                    a.payment.used += a.amount
                elif a.credit is not None:
                    a.credit.settled += a.amount
        self._emit_items(batch)
        self._emit_payments(batch)
        self.allocs.sort(key=lambda a: (a.applied, a.seq))
        for a in self.allocs:
            amount = _decimal(a.amount, a.target.currency)
            batch.allocations.append(AllocationRow(
                gen._take("allocation"), a.target.id, a.payment.id if a.payment else None,
                a.credit.id if a.credit else None, amount, amount, dt.date.fromordinal(a.applied),
                dt.date.fromordinal(a.reversed) if a.reversed is not None else None, a.note,
            ))

    def _emit_items(self, batch: Batch) -> None:
        rng = self.rng
        for item in self.items:
            cur = item.currency
            doc = dt.date.fromordinal(item.doc)
            posting = doc if rng.random() < 0.8 else dt.date.fromordinal(min(self.end, _next_business(item.doc + 1)))
            if item.kind == "credit_note":
                open_minor = item.amount + item.settled
            else:
                open_minor = item.amount - item.settled
            batch.items.append(ItemRow(
                item.id, item.company_id, item.customer_id, item.kind, item.number, item.order_ref,
                item.billing_of.number if item.billing_of is not None else "", item.customer_ref, doc, posting,
                dt.date.fromordinal(item.due), cur, _decimal(item.amount, cur), _decimal(open_minor, cur),
            ))

    def _emit_payments(self, batch: Batch) -> None:
        gen = self.gen
        langs = {c.id: (c.language, c.account_number) for c in batch.customers}
        self.payments.sort(key=lambda p: (p.day, p.seq))
        for pay in self.payments:
            pay.id = gen._take("payment")
            lang, account = langs.get(pay.customer_id or 0, ("en", ""))
            text = pay.text if pay.customer_id is None else self._remittance(pay, lang, account)
            cur = pay.currency
            batch.payments.append(PaymentRow(
                pay.id, pay.company_id, pay.customer_id, gen._number(pay.company_id, "payment"),
                dt.date.fromordinal(pay.day), cur, _decimal(pay.amount, cur), _decimal(pay.amount - pay.used, cur),
                pay.payer_name, pay.payer_account, text,
            ))


def generate(*, customers: int, years: int, seed: int, as_of: dt.date) -> Iterator[Row]:
    """All rows of a portfolio, in load order (see :class:`PortfolioGenerator`)."""
    return PortfolioGenerator(customers=customers, years=years, seed=seed, as_of=as_of).rows()
