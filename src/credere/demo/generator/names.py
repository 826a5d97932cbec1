"""Names: companies (with each country's legal forms and a trade word in the customer's
language), holdings, and the people customers' contacts are.
"""

from __future__ import annotations

import random

from credere.demo.generator.draws import pick
from credere.demo.generator.reference import COUNTRIES, TRADES

#: Index of each language in the TRADES tuples.
_TRADE_LANGS = {"en": 0, "de": 1, "fr": 2, "es": 3, "it": 4, "nl": 5}
#: Trade words that go before the name ("Transports Dubois SAS", "Trasporti Rossi S.r.l.").
_ROMANCE_WORDS = frozenset(w for words in TRADES.values() for w in words[2:5]) | {"Groupe", "Grupo", "Gruppo"}

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
#: What a holding calls itself, by language ("Group" otherwise).
HOLDING = {"de": "Holding", "en": "Group", "fr": "Groupe", "es": "Grupo", "it": "Gruppo", "nl": "Groep",
           "pt": "Grupo", "pl": "Grupa"}
#: Letters and punctuation replaced or dropped in mail domains and addresses.
_ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "ê": "e", "á": "a",
                        "à": "a", "â": "a", "í": "i", "ó": "o", "ô": "o", "ú": "u", "ñ": "n", "ç": "c", "ø": "o",
                        "å": "a", "æ": "ae", "ł": "l", "ś": "s", "ź": "z", "ż": "z", "ą": "a", "ę": "e", "ć": "c",
                        "ń": "n", "š": "s", "č": "c", "ř": "r", "ž": "z", "ý": "y", "ů": "u", "ě": "e", "ã": "a",
                        "õ": "o", "ì": "i", "ò": "o", "ù": "u", "ï": "i", "ë": "e", "ő": "o", "&": "", ",": "",
                        ".": "", "'": "", "(": "", ")": "", "/": ""})


def slug(text: str) -> str:
    """``text`` in lower-case ASCII, words joined by hyphens (for mail domains and addresses)."""
    return "-".join(text.lower().translate(_ASCII).replace("-", " ").split())


def trade_word(trade: str, lang: str) -> str:
    """The word for ``trade`` in ``lang`` (English where there is none)."""
    return TRADES[trade][_TRADE_LANGS.get(lang, 0)]


def legal_form(rng: random.Random, country: str, lang: str) -> str:
    """A legal form of the country, in the customer's language where the country has several."""
    if country == "CH" and lang != "de":
        return rng.choice(("SA", "Sàrl")) if lang == "fr" else "SA"
    if country == "BE":
        small = rng.random() < 0.6
        return ("BV" if small else "NV") if lang == "nl" else ("SRL" if small else "SA")
    return pick(rng, COUNTRIES[country].legal_forms)


def name_stem(rng: random.Random, country: str, lang: str) -> tuple[str, bool]:
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


def compose(stem: str, word: str, legal: str, lang: str) -> str:
    """A company name: the stem, a trade word (before it in French, Spanish, Italian) and the legal form."""
    if not word:
        return f"{stem} {legal}"
    if lang in ("fr", "es", "it") and word in _ROMANCE_WORDS:
        return f"{word} {stem} {legal}"
    return f"{stem} {word} {legal}"


def person(rng: random.Random, lang: str) -> tuple[str, str]:
    """A first name and a surname common in ``lang`` (English ones where there are none)."""
    first = rng.choice(_FIRST_NAMES.get(lang, _FIRST_NAMES["en"]))
    return first, rng.choice(_SURNAMES.get(lang, _SURNAMES["en"]))
