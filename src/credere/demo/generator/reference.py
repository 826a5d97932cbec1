"""Reference data of the demo portfolio: selling companies, payment terms, currencies,
customer countries, NACE industries and their trade words, payment behaviours, and how
invoicing volume varies by season, growth and customer size.
"""

from __future__ import annotations

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

#: The selling companies: (code, name, base currency, country); their ids are 1, 2, ...
COMPANIES: tuple[tuple[str, str, str, str], ...] = (
    ("DE01", "Credere Demo GmbH", "EUR", "DE"),
    ("GB01", "Credere Demo UK Ltd", "GBP", "GB"),
    ("US01", "Credere Demo Inc.", "USD", "US"),
    ("JP01", "Credere Demo Japan K.K.", "JPY", "JP"),
)
COMPANY_ID = {code: i + 1 for i, (code, *_rest) in enumerate(COMPANIES)}
COMPANY_CURRENCY = {i + 1: cur for i, (_c, _n, cur, _k) in enumerate(COMPANIES)}
COMPANY_SHORT = {i + 1: code[:2] for i, (code, *_rest) in enumerate(COMPANIES)}

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
TERM_ID = {code: i + 1 for i, (code, *_rest) in enumerate(TERMS)}
TERM_NET = {i + 1: t[2] for i, t in enumerate(TERMS)}
TERM_DISCOUNT: dict[int, tuple[int, int]] = {  # term id -> (days, rate in basis points)
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
FX_START: dict[str, tuple[str, int]] = {
    "USD": ("1.0850", 4), "GBP": ("0.8570", 5), "JPY": ("161.20", 2), "CHF": ("0.9510", 4),
    "PLN": ("4.3150", 4), "SEK": ("11.2900", 4),
}


class Country(NamedTuple):
    """How customers of one country are invoiced, named and reached."""

    weight: int
    company: str
    currency: str  # invoice currency for customers of this country
    languages: tuple[str, ...]
    legal_forms: tuple[tuple[str, int], ...]
    phone: str
    places: tuple[str, ...]
    name: str


COUNTRIES: dict[str, Country] = {
    "DE": Country(22, "DE01", "EUR", ("de",), (("GmbH", 60), ("GmbH & Co. KG", 15), ("AG", 8), ("KG", 7), ("e.K.", 5), ("UG (haftungsbeschränkt)", 5)), "+49", ("Rhein", "Elbe", "Hansa", "Isar", "Main", "Spree", "Nordsee", "Alb", "Weser", "Ruhr", "Bayern", "Taunus"), "Deutschland"),
    "AT": Country(4, "DE01", "EUR", ("de",), (("GmbH", 70), ("AG", 10), ("KG", 10), ("OG", 10)), "+43", ("Donau", "Tirol", "Alpen", "Wienerwald", "Salzach", "Inn"), "Austria"),
    "CH": Country(4, "DE01", "CHF", ("de", "fr", "it"), (("AG", 50), ("GmbH", 40), ("SA", 10)), "+41", ("Helvetia", "Aare", "Limmat", "Jura", "Rigi", "Léman"), "Schweiz"),
    "FR": Country(7, "DE01", "EUR", ("fr",), (("SAS", 45), ("SARL", 35), ("SA", 15), ("SNC", 5)), "+33", ("Loire", "Provence", "Atlantique", "Alsace", "Bretagne", "Rhône", "Seine", "Normandie"), "France"),
    "IT": Country(5, "DE01", "EUR", ("it",), (("S.r.l.", 70), ("S.p.A.", 20), ("S.n.c.", 10)), "+39", ("Adriatica", "Lombarda", "Toscana", "Padana", "Veneta", "Tirrena"), "Italia"),
    "ES": Country(4, "DE01", "EUR", ("es",), (("S.L.", 75), ("S.A.", 25)), "+34", ("Ibérica", "Levante", "Cantábrica", "Andaluza", "Castellana", "Mediterránea"), "España"),
    "PT": Country(1, "DE01", "EUR", ("pt",), (("Lda.", 75), ("S.A.", 25)), "+351", ("Atlântico", "Lusitana", "Douro", "Tejo", "Minho"), "Portugal"),
    "NL": Country(5, "DE01", "EUR", ("nl",), (("B.V.", 85), ("N.V.", 5), ("V.O.F.", 10)), "+31", ("Holland", "Delta", "Maas", "Zuid", "Noord", "Rijn", "Polder"), "Nederland"),
    "BE": Country(3, "DE01", "EUR", ("nl", "fr"), (("BV", 60), ("NV", 40)), "+32", ("Schelde", "Brabant", "Ardennes", "Flandria", "Meuse"), "Belgium"),
    "PL": Country(4, "DE01", "PLN", ("pl",), (("Sp. z o.o.", 80), ("S.A.", 15), ("Sp.k.", 5)), "+48", ("Wisła", "Mazowsze", "Bałtyk", "Karpaty", "Odra", "Warta"), "Polska"),
    "CZ": Country(2, "DE01", "EUR", ("cs",), (("s.r.o.", 85), ("a.s.", 15)), "+420", ("Vltava", "Morava", "Bohemia", "Labe", "Šumava"), "Česko"),
    "SE": Country(2, "DE01", "SEK", ("sv",), (("AB", 100),), "+46", ("Nordic", "Vänern", "Norrland", "Göta", "Skandia"), "Sverige"),
    "DK": Country(2, "DE01", "EUR", ("da",), (("ApS", 60), ("A/S", 40)), "+45", ("Nordic", "Jylland", "Øresund", "Fyn", "Kattegat"), "Danmark"),
    "NO": Country(1, "DE01", "EUR", ("no",), (("AS", 90), ("ASA", 10)), "+47", ("Fjord", "Nordic", "Viking", "Vestland", "Polar"), "Norge"),
    "FI": Country(1, "DE01", "EUR", ("fi",), (("Oy", 90), ("Oyj", 10)), "+358", ("Nordic", "Suomi", "Lappi", "Saimaa", "Karelia"), "Suomi"),
    "IE": Country(1, "GB01", "EUR", ("en",), (("Ltd", 80), ("DAC", 10), ("PLC", 10)), "+353", ("Shannon", "Liffey", "Atlantic", "Emerald", "Celtic"), "Ireland"),
    "GB": Country(12, "GB01", "GBP", ("en",), (("Ltd", 85), ("PLC", 5), ("LLP", 10)), "+44", ("Thames", "Pennine", "Mersey", "Severn", "Albion", "Cotswold", "Highland", "Anglia"), "United Kingdom"),
    "US": Country(12, "US01", "USD", ("en",), (("Inc.", 50), ("LLC", 40), ("Corp.", 10)), "+1", ("Atlantic", "Pacific", "Midwest", "Lakeshore", "Summit", "Liberty", "Frontier", "Keystone"), "USA"),
    "CA": Country(3, "US01", "USD", ("en",), (("Inc.", 70), ("Ltd.", 30)), "+1", ("Maple", "Northern", "Great Lakes", "Rocky Mountain", "Laurentian"), "Canada"),
    "MX": Country(1, "US01", "USD", ("es",), (("S.A. de C.V.", 80), ("S. de R.L. de C.V.", 20)), "+52", ("Azteca", "Pacífico", "Sierra", "Bajío", "Golfo"), "México"),
    "BR": Country(1, "US01", "USD", ("pt",), (("Ltda.", 70), ("S.A.", 30)), "+55", ("Amazonas", "Paulista", "Atlântica", "Cerrado", "Guanabara"), "Brasil"),
    "JP": Country(4, "JP01", "JPY", ("ja",), (("Co., Ltd.", 70), ("K.K.", 30)), "+81", ("Sakura", "Fuji", "Kanto", "Kansai", "Hokuto", "Seto", "Nippon"), "Japan"),
    "KR": Country(1, "JP01", "USD", ("ko",), (("Co., Ltd.", 100),), "+82", ("Hanbit", "Daehan", "Hanil", "Seoul", "Namsan"), "Korea"),
    "CN": Country(1, "JP01", "USD", ("zh",), (("Co., Ltd.", 100),), "+86", ("Huaxia", "Zhongshan", "Changjiang", "Dongfang", "Jinhai"), "China"),
    "SG": Country(1, "JP01", "USD", ("en",), (("Pte. Ltd.", 100),), "+65", ("Merlion", "Straits", "Marina", "Orchid", "Lion City"), "Singapore"),
    "AU": Country(1, "JP01", "USD", ("en",), (("Pty Ltd", 100),), "+61", ("Southern Cross", "Outback", "Coral", "Harbour", "Pacific"), "Australia"),
    "IN": Country(1, "JP01", "USD", ("en",), (("Pvt. Ltd.", 80), ("Ltd.", 20)), "+91", ("Ganga", "Deccan", "Himalaya", "Indus", "Malabar"), "India"),
}
COUNTRY_CODES = tuple(COUNTRIES)
COUNTRY_WEIGHTS = tuple(c.weight for c in COUNTRIES.values())

#: Trade words by language (en, de, fr, es, it, nl); other languages use English ones.
TRADES: dict[str, tuple[str, str, str, str, str, str]] = {
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
INDUSTRY_WEIGHTS = tuple(i[2] for i in INDUSTRIES)

#: Contact roles and their weights.
CONTACT_ROLES = (("Accounts payable", 40), ("Finance director", 12), ("Controller", 10), ("Purchasing", 14),
                 ("Treasury", 8), ("Managing director", 8), ("Office manager", 8))
#: "Invoice" and "payment" in remittance texts, by language (English otherwise).
INVOICE_WORD = {"de": "Rechnung", "fr": "Facture", "es": "Factura", "it": "Fattura", "nl": "Factuur",
                "pl": "Faktura", "pt": "Fatura", "sv": "Faktura", "da": "Faktura", "no": "Faktura", "fi": "Lasku",
                "cs": "Faktura"}
PAYMENT_WORD = {"de": "Zahlung", "fr": "Paiement", "es": "Pago", "it": "Pagamento", "nl": "Betaling",
                "pl": "Płatność", "pt": "Pagamento", "sv": "Betalning", "da": "Betaling", "no": "Betaling",
                "fi": "Maksu", "cs": "Platba"}

#: Relative invoicing volume by calendar month (mean 1.0).
SEASONALITY = (0.85, 0.92, 1.08, 1.00, 1.02, 1.06, 0.90, 0.78, 1.05, 1.10, 1.12, 1.12)
#: Relative growth of volume per year.
GROWTH_PER_YEAR = 0.06

#: Invoices per year by customer size tier: (invoices per year, weight, typical-amount factor %).
#: The weighted mean is calibrated so that, after onboarding, churn and defaults,
#: customers average INVOICES_PER_CUSTOMER_YEAR invoices per year.
SIZE_TIERS: tuple[tuple[float, int, int], ...] = (
    (2.3, 30, 60), (4.6, 25, 80), (9.2, 20, 100), (17.3, 13, 120), (34.5, 8, 150), (69.0, 3, 200), (138.0, 1, 260),
)
SIZE_WEIGHTS = tuple(t[1] for t in SIZE_TIERS)
