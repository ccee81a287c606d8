"""A deterministic generator of realistic sample unified customer profiles.

The profiles look like an export of unified customer profiles (as in Dynamics 365 Customer Insights): names
from several cultures and scripts (accents, Chinese, Japanese, Arabic and Hebrew), cities mostly from a dozen
with the matching ISO country code, phone numbers matching the country, a skewed lifetime value and a loyalty
tier that follows it. Every value is a string, as in the CSV file.

All contact data is fictional: emails are at example.com, example.org, example.net or a subdomain of them
(reserved by RFC 2606); phone numbers use the ranges set aside for fiction where one exists (US and Canada
555-01xx, UK 020 7946 0xxx and 0161 496 0xxx, France 01 99 00 xx xx, Germany 030 23125 xxx and 089 99998 xxx,
Australia 02 5550 xxxx, 03 7010 xxxx and the 0491 57x xxx mobiles) and plausible numbers elsewhere. Because
the US and Canadian range has only 100 numbers per area code, phone numbers repeat across profiles.

A few percent of the rows are messy on purpose, each kind in a fixed share of the rows (``count * share``
rounded down, so some kinds are absent from very small samples):

========================  =======  ======================================================================
kind                      share    what the row looks like
========================  =======  ======================================================================
email missing @           0.5 %    ``jane.doeexample.com``, ``jane.doe(at)example.com``
email double dot          0.5 %    ``jane..doe@example.com``
email missing TLD         0.5 %    ``jane.doe@example``
email space inside        0.5 %    ``jane doe@example.com``
email empty               1 %      ``""``
email outer whitespace    1 %      ``" jane.doe@example.com"`` (valid once trimmed)
email mixed case          1.5 %    ``Jane.Doe@Example.com`` (valid once lower-cased)
email duplicate           1 %      same name and email as another CustomerId, opposite consent
phone national format     1.5 %    ``(206) 555-0142``, ``06 12 34 56 78``, ``030 23125123``
phone impossible          0.5 %    ``12``, ``call me``
phone empty               1 %      ``""``
name with ``;``           0.5 %    ``Anne;Marie``
name with ``,``           0.5 %    ``Smith, Jr.``
name with ``"``           0.5 %    ``Robert "Bob"``
name with apostrophe      1 %      ``O'Brien`` (a real name, its email is still valid)
name with a newline       2 rows   ``Mary\\nAnn`` (one row below 1000 profiles, none below 100)
========================  =======  ======================================================================

The messy email kinds are on distinct rows; the other rows have a unique, lower-case, valid email. Customer
ids are always unique and non-empty. Dates are before the fixed reference date 2025-06-30, never "today".

The output depends only on ``count`` and ``seed``: the module uses ``random.Random(seed)`` alone, the word
lists below, integer arithmetic for amounts and dates, and no hashing or set ordering. Changing a list or
the order of random draws changes the sample; regenerate the bundled file afterwards with::

    uv run python -m ci_sendinblue.profiles.sample

(``--count``, ``--seed`` and ``--output`` change the defaults of 5000 rows, seed 7 and
``ci_sendinblue/examples/profiles.csv``; a ``.parquet`` output is written as Parquet.)
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import pandas as pd

T = TypeVar("T")

COLUMNS = [
    "CustomerId",
    "FirstName",
    "LastName",
    "Email",
    "Phone",
    "City",
    "Country",
    "LifetimeValue",
    "LoyaltyTier",
    "SignupDate",
    "LastPurchaseDate",
    "MarketingConsent",
]

BUNDLED_PROFILES_CSV = Path(__file__).resolve().parent.parent / "examples" / "profiles.csv"

REFERENCE_DATE = date(2025, 6, 30)
FIRST_SIGNUP_DATE = date(2015, 1, 1)

# Shares of messy rows, in basis points (1/100 of a percent) of the row count.
EMAIL_KINDS_BP = [
    ("email_missing_at", 50),
    ("email_double_dot", 50),
    ("email_missing_tld", 50),
    ("email_space_inside", 50),
    ("email_empty", 100),
    ("email_outer_whitespace", 100),
    ("email_mixed_case", 150),
]
EMAIL_DUPLICATE_BP = 100
PHONE_KINDS_BP = [
    ("phone_national", 150),
    ("phone_impossible", 50),
    ("phone_empty", 100),
]
NAME_KINDS_BP = [
    ("name_semicolon", 50),
    ("name_comma", 50),
    ("name_quote", 50),
    ("name_apostrophe", 100),
]

# fmt: off
# ----------------------------------------------------------------------------------------------------
# Names. A plain string is a Latin-script name (its email form is transliterated); a pair is a name in another
# script with its romanisation, used for the email.
# ----------------------------------------------------------------------------------------------------

Name = str | tuple[str, str]

ENGLISH = (
    [
        "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
        "William", "Susan", "Emily", "Daniel", "Olivia", "Ethan", "Sophia", "Noah", "Chloe", "Liam", "Grace",
        "Zoë", "Hannah", "Benjamin", "Charlotte", "Samuel", "Amelia", "Jack", "Isla", "Oliver", "Harry",
        "Megan", "Ryan", "Lauren", "Aidan", "Siobhán", "Ciarán", "Nathan", "Abigail", "Thomas",
    ],
    [
        "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
        "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker",
        "Hall", "Young", "Allen", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Hill",
        "Campbell", "Mitchell", "Roberts", "Carter", "Evans", "Turner", "Parker", "Collins", "Edwards",
        "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed", "Bailey",
        "Kelly", "Howard", "Ward", "Richardson", "Watson", "Brooks", "Bennett", "Gray", "Hughes", "Price",
        "Smith-Jones", "Fitzgerald", "McAllister", "MacDonald",
    ],
)
FRENCH = (
    [
        "Émilie", "Zoé", "Hélène", "François", "Jérôme", "Chloé", "Léa", "Théo", "Gaël", "Benoît", "Anaïs",
        "Noël", "Cécile", "Amélie", "Mathieu", "Camille", "Lucas", "Manon", "Jean-Luc", "Marie-Claire",
        "Inès", "Raphaël", "Océane", "Loïc",
    ],
    [
        "Lefèvre", "Dubois", "Durand", "Moreau", "Laurent", "Girard", "Bérenger", "Rousseau", "Fournier",
        "Mercier", "Lemaître", "Bonnet", "Faure", "André", "Gauthier", "Perrin", "Chevalier", "Lefebvre",
        "Martin", "Bernard", "Bégué", "Besançon",
    ],
)
GERMAN = (
    [
        "Jürgen", "Jörg", "Günter", "Lukas", "Anna", "Katharina", "Maximilian", "Lena", "Felix", "Jonas",
        "Marie", "Sophie", "Björn", "Uwe", "Dörte", "Käthe", "Jens", "Tobias", "Hannah", "Mia", "Leon",
    ],
    [
        "Müller", "Schröder", "Weiß", "Köhler", "Schmidt", "Schneider", "Fischer", "Meyer", "Wagner",
        "Becker", "Schulz", "Hoffmann", "Krüger", "Hölzl", "Groß", "Vogel", "Zimmermann", "Braun",
        "Hartmann", "Schäfer", "Böhm",
    ],
)
SPANISH = (
    [
        "José", "María", "Jesús", "Lucía", "Sofía", "Martín", "Andrés", "Álvaro", "Inés", "Íñigo", "Raúl",
        "Begoña", "Carmen", "Javier", "Alejandro", "Paula", "Sergio", "Elena", "Pablo", "Nuria", "Ximena",
    ],
    [
        "García", "Núñez", "Peña", "Muñoz", "Ibáñez", "Fernández", "González", "Rodríguez", "López",
        "Martínez", "Sánchez", "Pérez", "Gómez", "Díaz", "Hernández", "Ruiz", "Jiménez", "Álvarez", "Romero",
        "Castaño", "Ortiz", "Cañizares",
    ],
)
PORTUGUESE = (
    [
        "João", "Conceição", "Gonçalo", "Luís", "Ana", "Beatriz", "Thiago", "Larissa", "Mateus", "Fernanda",
        "Vitória", "Antônio",
    ],
    [
        "Gonçalves", "Silva", "Santos", "Oliveira", "Souza", "Araújo", "Magalhães", "Simões", "Lima",
        "Pereira", "Costa", "Brandão",
    ],
)
NORDIC = (
    [
        "Søren", "Bjørn", "Åsa", "Øystein", "Mette", "Lars", "Sigrid", "Ingrid", "Kjell", "Astrid", "Freja",
        "Mads", "Nils", "Kåre", "Jørgen", "Signe",
    ],
    [
        "Ødegaard", "Kjær", "Sørensen", "Jørgensen", "Hansen", "Nielsen", "Johansen", "Larsen", "Andersen",
        "Bråten", "Lindstrøm", "Dahl", "Møller", "Haugen", "Berg", "Østergaard",
    ],
)
DUTCH = (
    ["Daan", "Sanne", "Bram", "Lotte", "Joost", "Fleur", "Sem", "Anouk", "Thijs", "Eva", "Sven", "Noor"],
    [
        "de Vries", "van den Berg", "Jansen", "de Jong", "Bakker", "Visser", "Smit", "van Dijk", "Mulder",
        "de Boer", "Dekker", "van der Meer",
    ],
)
ITALIAN = (
    ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Niccolò", "Alessia", "Lorenzo", "Giorgia"],
    ["Rossi", "Bianchi", "Esposito", "Ricci", "Romano", "Colombo", "Bruno", "Galli", "Conti", "De Luca"],
)
INDIAN = (
    ["Aarav", "Priya", "Rohan", "Ananya", "Vikram", "Deepika", "Arjun", "Kavya", "Sanjay", "Neha", "Ishaan"],
    ["Patel", "Sharma", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Mehta", "Shah", "Banerjee"],
)
CHINESE: tuple[list[Name], list[Name]] = (
    [
        ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
        ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("秀英", "xiuying"), ("婷", "ting"),
        ("浩然", "haoran"), ("子涵", "zihan"),
    ],
    [
        ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
        ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ],
)
JAPANESE: tuple[list[Name], list[Name]] = (
    [
        ("翔太", "shota"), ("蓮", "ren"), ("大翔", "hiroto"), ("陽菜", "hina"), ("結衣", "yui"),
        ("さくら", "sakura"), ("健一", "kenichi"), ("美咲", "misaki"), ("拓海", "takumi"), ("葵", "aoi"),
        ("直樹", "naoki"), ("由美子", "yumiko"),
    ],
    [
        ("佐藤", "sato"), ("鈴木", "suzuki"), ("高橋", "takahashi"), ("田中", "tanaka"), ("伊藤", "ito"),
        ("渡辺", "watanabe"), ("山本", "yamamoto"), ("中村", "nakamura"), ("小林", "kobayashi"),
        ("加藤", "kato"), ("吉田", "yoshida"), ("山田", "yamada"),
    ],
)
ARABIC: tuple[list[Name], list[Name]] = (
    [
        ("محمد", "mohammed"), ("أحمد", "ahmed"), ("فاطمة", "fatima"), ("ليلى", "layla"), ("عمر", "omar"),
        ("يوسف", "youssef"), ("مريم", "maryam"), ("خالد", "khaled"), ("نور", "nour"), ("سارة", "sara"),
        ("كريم", "karim"), ("رانيا", "rania"),
    ],
    [
        ("حداد", "haddad"), ("منصور", "mansour"), ("الأحمد", "alahmad"), ("خوري", "khoury"),
        ("ناصر", "nasser"), ("سالم", "salem"), ("عباس", "abbas"), ("الزهراني", "alzahrani"),
        ("الهاشمي", "alhashimi"), ("قاسم", "qasim"),
    ],
)
ARABIC_LATIN = (
    [
        "Mohammed", "Ahmed", "Fatima", "Layla", "Omar", "Youssef", "Mariam", "Khaled", "Nour", "Karim",
        "Samira",
    ],
    [
        "Haddad", "Mansour", "Al-Farsi", "El-Amin", "Khoury", "Nasser", "Saleh", "Abbas", "Benali",
        "Belkacem", "Al-Masri", "Bouzid",
    ],
)
HEBREW: tuple[list[Name], list[Name]] = (
    [
        ("דוד", "david"), ("שרה", "sarah"), ("נועה", "noa"), ("יוסף", "yosef"), ("מיכל", "michal"),
        ("אריאל", "ariel"), ("תמר", "tamar"), ("איתי", "itai"), ("רחל", "rachel"), ("אורי", "ori"),
    ],
    [
        ("כהן", "cohen"), ("לוי", "levi"), ("מזרחי", "mizrahi"), ("פרץ", "peretz"), ("ביטון", "biton"),
        ("אברהם", "avraham"), ("פרידמן", "friedman"), ("שפירא", "shapira"),
    ],
)


def _romanised(names: tuple[list[Name], list[Name]]) -> tuple[list[Name], list[Name]]:
    """The same people as written in a Latin-script system (``Tanaka``, ``Wang``)."""
    given, family = names
    return (
        [n[1].capitalize() if isinstance(n, tuple) else n for n in given],
        [n[1].capitalize() if isinstance(n, tuple) else n for n in family],
    )


CULTURES: dict[str, tuple[list[Name], list[Name]]] = {
    "english": ENGLISH,
    "french": FRENCH,
    "german": GERMAN,
    "spanish": SPANISH,
    "portuguese": PORTUGUESE,
    "nordic": NORDIC,
    "dutch": DUTCH,
    "italian": ITALIAN,
    "indian": INDIAN,
    "chinese": CHINESE,
    "chinese_latin": _romanised(CHINESE),
    "japanese": JAPANESE,
    "japanese_latin": _romanised(JAPANESE),
    "arabic": ARABIC,
    "arabic_latin": ARABIC_LATIN,
    "hebrew": HEBREW,
}

# Which cultures the people of a country come from, in percent.
CULTURE_MIX: dict[str, list[tuple[str, int]]] = {
    "US": [
        ("english", 62), ("spanish", 12), ("chinese_latin", 5), ("indian", 6), ("french", 2), ("german", 3),
        ("italian", 2), ("japanese_latin", 2), ("chinese", 2), ("arabic", 1), ("hebrew", 1), ("nordic", 1),
        ("portuguese", 1),
    ],
    "CA": [
        ("english", 60), ("french", 15), ("chinese_latin", 8), ("chinese", 3), ("indian", 6), ("italian", 3),
        ("spanish", 2), ("arabic", 1), ("german", 2),
    ],
    "GB": [
        ("english", 75), ("indian", 8), ("french", 3), ("spanish", 2), ("arabic", 2), ("chinese_latin", 3),
        ("german", 2), ("italian", 2), ("portuguese", 1), ("hebrew", 1), ("nordic", 1),
    ],
    "IE": [("english", 90), ("french", 2), ("spanish", 2), ("portuguese", 2), ("german", 2), ("indian", 2)],
    "AU": [
        ("english", 70), ("chinese_latin", 8), ("chinese", 3), ("indian", 6), ("italian", 4),
        ("japanese_latin", 3), ("spanish", 2), ("arabic", 2), ("german", 2),
    ],
    "FR": [
        ("french", 78), ("arabic", 6), ("arabic_latin", 6), ("spanish", 3), ("portuguese", 3), ("italian", 2),
        ("english", 2),
    ],
    "DE": [
        ("german", 80), ("english", 3), ("french", 2), ("spanish", 2), ("italian", 4), ("arabic_latin", 4),
        ("nordic", 2), ("dutch", 3),
    ],
    "ES": [
        ("spanish", 88), ("english", 3), ("french", 2), ("portuguese", 3), ("arabic_latin", 2),
        ("italian", 2),
    ],
    "JP": [("japanese", 82), ("japanese_latin", 10), ("english", 4), ("chinese", 4)],
    "NL": [("dutch", 80), ("english", 6), ("german", 6), ("arabic_latin", 4), ("indian", 2), ("french", 2)],
    "DK": [("nordic", 88), ("english", 4), ("german", 6), ("dutch", 2)],
    "NO": [("nordic", 90), ("english", 5), ("german", 5)],
    "CH": [("german", 55), ("french", 25), ("italian", 15), ("english", 5)],
    "BR": [("portuguese", 88), ("spanish", 6), ("italian", 3), ("japanese_latin", 3)],
    "MX": [("spanish", 94), ("english", 6)],
    "IL": [("hebrew", 80), ("english", 8), ("arabic", 8), ("french", 4)],
    "AE": [("arabic", 70), ("arabic_latin", 15), ("indian", 10), ("english", 5)],
    "CN": [("chinese", 85), ("chinese_latin", 15)],
}

APOSTROPHE_SURNAMES = [
    "O'Brien", "O'Connor", "O'Neill", "O'Sullivan", "O'Reilly", "D'Angelo", "D'Souza", "N'Diaye",
    "Dell'Acqua", "D'Arcy", "L'Écuyer", "M'Bala",
]
NICKNAMES = ["Bob", "Kate", "Liz", "Mike", "Jim", "Sunny", "Max", "Jo", "Sam", "Alex", "Kiki", "Tom", "Bea"]
NAME_SUFFIXES = ["Jr.", "Sr.", "III", "PhD", "MBA"]

# Email forms: lower case, ASCII only.
TRANSLITERATION = {
    "à": "a", "á": "a", "â": "a", "ã": "a", "å": "a", "ä": "ae", "æ": "ae", "ç": "c", "è": "e", "é": "e",
    "ê": "e", "ë": "e", "ì": "i", "í": "i", "î": "i", "ï": "i", "ñ": "n", "ò": "o", "ó": "o", "ô": "o",
    "õ": "o", "ö": "oe", "ø": "o", "ù": "u", "ú": "u", "û": "u", "ü": "ue", "ý": "y", "ÿ": "y", "ß": "ss",
    "œ": "oe",
}
EMAIL_DOMAINS = [
    ("example.com", 45),
    ("example.org", 15),
    ("example.net", 15),
    ("mail.example.com", 10),
    ("mail.example.org", 5),
    ("inbox.example.net", 5),
    ("corp.example.com", 5),
]
EMAIL_LOCAL_FORMS = [
    ("{f}.{l}", 38),
    ("{f}{l}", 12),
    ("{i}{l}", 12),
    ("{f}_{l}", 6),
    ("{f}.{l}{yy}", 10),
    ("{f}{yyyy}", 6),
    ("{l}.{f}", 6),
    ("{f}", 3),
    ("{f}.{li}", 5),
    ("{l}{i}", 2),
]
PLUS_TAGS = ["news", "shop", "promo", "deals", "newsletter", "2024", "loyalty"]
PLUS_ADDRESSING_PERCENT = 4
IMPOSSIBLE_PHONES = ["12", "call me", "n/a", "0000", "123", "+1 555", "ask at reception", "-", "no phone"]

# ----------------------------------------------------------------------------------------------------
# Places and phone numbers. A phone plan is (weight, country calling code, national number prefixes, count of
# random digits after the prefix, international mask, national mask); ``#`` in a mask takes the next digit of
# the national significant number.
# ----------------------------------------------------------------------------------------------------

PhonePlan = tuple[int, str, list[str], int, str, str]


US_AREA_CODES_ELSEWHERE = [
    "202", "213", "214", "303", "305", "310", "312", "404", "469", "480", "512", "602", "612", "615", "617",
    "619", "702", "704", "713", "720", "801", "808", "813", "858", "919", "949",
]


def _nanp(*area_codes: str, country: str = "US") -> list[PhonePlan]:
    """US and Canada: only 555-0100 to 555-0199 are set aside for fiction, so numbers repeat.

    In the US two people in five kept a mobile number from another state, which spreads the repeats.
    """
    local = (3, "1", [a + "55501" for a in area_codes], 2, "+1 ###-###-####", "(###) ###-####")
    if country != "US":
        return [local]
    moved = (2, "1", [a + "55501" for a in US_AREA_CODES_ELSEWHERE], 2, "+1 ###-###-####", "(###) ###-####")
    return [local, moved]


def _digits(prefix: str, following: str) -> list[str]:
    """Prefixes ``prefix`` + each digit of ``following``, e.g. ``_digits("6", "12")`` is ``["61", "62"]``."""
    return [prefix + digit for digit in following]


AU_FICTIONAL_MOBILES = [
    "491570156", "491570157", "491570158", "491570159", "491570110", "491570313", "491570737", "491571266",
    "491571491", "491571804", "491572549", "491572665", "491572983", "491573770", "491573087", "491574118",
    "491574632", "491575254", "491575789", "491576398", "491576801", "491577426", "491577644", "491578957",
    "491578148", "491578888", "491579212", "491579760", "491579455",
]
# Mobile ranges: prefixes limited to those libphonenumber accepts as valid for the whole random remainder.
FR_MOBILE = (6, "33", _digits("6", "0124568") + _digits("7", "345678"), 7,
             "+33 # ## ## ## ##", "0# ## ## ## ##")
DE_MOBILE = (5, "49", ["151", "152", "157", "160", "170", "171", "176"], 8,
             "+49 ### ########", "0### ########")
ES_MOBILE = (6, "34", ["6"], 8, "+34 ### ## ## ##", "### ## ## ##")
JP_MOBILE = (6, "81", _digits("90", "123456789") + _digits("80", "123456789"), 7,
             "+81 ##-####-####", "0##-####-####")
AU_MOBILE = (3, "61", AU_FICTIONAL_MOBILES, 0, "+61 ### ### ###", "0### ### ###")
NL_MOBILE = (7, "31", _digits("6", "1234568"), 7, "+31 # ########", "0# ########")
CH_MOBILE = (6, "41", ["75", "76", "77", "78", "79"], 7, "+41 ## ### ## ##", "0## ### ## ##")
CN_MOBILE = (7, "86", ["130", "131", "135", "136", "138", "139", "150", "158", "159", "177", "186", "188"], 8,
             "+86 ### #### ####", "### #### ####")
IL_MOBILE = (1, "972", _digits("50", "2345") + _digits("52", "2345678") + _digits("54", "23456789"), 6,
             "+972 ##-###-####", "0##-###-####")

# (city, ISO country, weight per mille, phone plans); the first twelve hold 83 % of the profiles.
CITIES: list[tuple[str, str, int, list[PhonePlan]]] = [
    ("Seattle", "US", 140, _nanp("206")),
    ("Redmond", "US", 70, _nanp("425")),
    ("Bellevue", "US", 60, _nanp("425")),
    ("Portland", "US", 50, _nanp("503", "971")),
    ("San Francisco", "US", 60, _nanp("415", "628")),
    ("New York", "US", 80, _nanp("212", "646", "917", "718", "347")),
    ("London", "GB", 80, [(1, "44", ["2079460"], 3, "+44 ## #### ####", "0## #### ####")]),
    ("Paris", "FR", 70, [(4, "33", ["19900"], 4, "+33 # ## ## ## ##", "0# ## ## ## ##"), FR_MOBILE]),
    ("Berlin", "DE", 60, [(5, "49", ["3023125"], 3, "+49 ## ########", "0## ########"), DE_MOBILE]),
    ("Madrid", "ES", 50, [(4, "34", ["91"], 7, "+34 ### ## ## ##", "### ## ## ##"), ES_MOBILE]),
    ("Tokyo", "JP", 60, [(4, "81", _digits("3", "123456789"), 7, "+81 #-####-####", "0#-####-####"),
                         JP_MOBILE]),
    ("Sydney", "AU", 50, [(7, "61", ["25550"], 4, "+61 # #### ####", "(0#) #### ####"), AU_MOBILE]),
    ("Toronto", "CA", 15, _nanp("416", "647", country="CA")),
    ("Vancouver", "CA", 15, _nanp("604", "778", country="CA")),
    ("Chicago", "US", 10, _nanp("312", "773")),
    ("Manchester", "GB", 10, [(1, "44", ["1614960"], 3, "+44 ### ### ####", "0### ### ####")]),
    ("Lyon", "FR", 10, [FR_MOBILE]),
    ("Munich", "DE", 10, [(5, "49", ["8999998"], 3, "+49 ## ########", "0## ########"), DE_MOBILE]),
    ("Barcelona", "ES", 10, [(4, "34", ["93"], 7, "+34 ### ## ## ##", "### ## ## ##"), ES_MOBILE]),
    ("Osaka", "JP", 10, [(4, "81", _digits("6", "123456789"), 7, "+81 #-####-####", "0#-####-####"),
                         JP_MOBILE]),
    ("Melbourne", "AU", 10, [(7, "61", ["37010"], 4, "+61 # #### ####", "(0#) #### ####"), AU_MOBILE]),
    ("Amsterdam", "NL", 10, [(3, "31", ["20"], 7, "+31 ## ### ####", "0## ### ####"), NL_MOBILE]),
    ("Copenhagen", "DK", 10, [(1, "45", ["26", "27", "28"], 6, "+45 ## ## ## ##", "## ## ## ##")]),
    ("Oslo", "NO", 5, [(1, "47", _digits("4", "01678") + _digits("9", "0123456789"), 6, "+47 ## ## ## ##",
                        "## ## ## ##")]),
    ("Zürich", "CH", 10, [(4, "41", ["44"], 7, "+41 ## ### ## ##", "0## ### ## ##"), CH_MOBILE]),
    ("Dublin", "IE", 5, [(1, "353", ["83", "85", "86", "87", "89"], 7, "+353 ## ### ####", "0## ### ####")]),
    ("São Paulo", "BR", 5, [(1, "55", ["119"], 8, "+55 ## #####-####", "(##) #####-####")]),
    ("Mexico City", "MX", 5, [(1, "52", ["55"], 8, "+52 ## #### ####", "## #### ####")]),
    ("Tel Aviv", "IL", 5, [IL_MOBILE]),
    ("Dubai", "AE", 5, [(1, "971", ["50", "52", "54", "55", "56", "58"], 7, "+971 ## ### ####",
                         "0## ### ####")]),
    ("Beijing", "CN", 5, [(3, "86", _digits("10", "2345679"), 7, "+86 ## #### ####", "0## #### ####"),
                          CN_MOBILE]),
    ("Shanghai", "CN", 5, [(3, "86", _digits("21", "2345679"), 7, "+86 ## #### ####", "0## #### ####"),
                           CN_MOBILE]),
]

# fmt: on

# Lifetime value in whole currency units: (low, high, weight); uniform inside a bucket, roughly log-normal
# over all buckets, 38 % of buyers above 1000.
VALUE_BUCKETS = [
    (5, 50, 16),
    (50, 150, 24),
    (150, 300, 28),
    (300, 600, 30),
    (600, 1000, 26),
    (1000, 2000, 28),
    (2000, 4000, 22),
    (4000, 8000, 14),
    (8000, 15000, 8),
    (15000, 40000, 3),
    (40000, 120000, 1),
]
NEVER_PURCHASED_PERCENT = 12
CONSENT_PERCENT = 62
TIERS = ["Bronze", "Silver", "Gold", "Platinum"]
TIER_FLOORS_CENTS = [0, 500_00, 2000_00, 8000_00]
TIER_DRIFT_PERCENT = 8


def generate_sample_profiles(count: int = 5000, seed: int = 7) -> pd.DataFrame:
    """``count`` sample profiles, the same for the same ``count`` and ``seed`` on any machine."""
    if count < 0:
        raise ValueError(f"count must be zero or more, not {count}")
    rng = random.Random(seed)
    plan = _MessPlan.draw(rng, count)
    rows: list[dict[str, str]] = []
    phone_plans: list[list[PhonePlan]] = []
    used_mailboxes: set[str] = set()
    for index in range(count):
        row, plans = _clean_row(rng, index, plan, used_mailboxes)
        rows.append(row)
        phone_plans.append(plans)
    for index, row in enumerate(rows):
        _mess_up_row(rng, row, plan.kind_of.get(index, []), phone_plans[index])
    for duplicate, source in plan.duplicates:
        rows[duplicate]["FirstName"] = rows[source]["FirstName"]
        rows[duplicate]["LastName"] = rows[source]["LastName"]
        rows[duplicate]["Email"] = rows[source]["Email"]
        rows[duplicate]["MarketingConsent"] = "false" if rows[source]["MarketingConsent"] == "true" else "true"
    for order, index in enumerate(plan.newline_rows):
        row = rows[index]
        other = _plain_name(rng.choice(ENGLISH[order % 2]))
        field = "FirstName" if order % 2 == 0 else "LastName"
        row[field] = f"{row[field]}\n{other}"
    return pd.DataFrame(rows, columns=COLUMNS)


def write_sample_profiles(path: Path, count: int = 5000, seed: int = 7) -> Path:
    """Write a sample as UTF-8 CSV, or as Parquet when ``path`` ends in ``.parquet``; returns ``path``."""
    path = Path(path)
    frame = generate_sample_profiles(count=count, seed=seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    return path


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write deterministic sample unified customer profiles.")
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=BUNDLED_PROFILES_CSV)
    args = parser.parse_args(argv)
    written = write_sample_profiles(args.output, count=args.count, seed=args.seed)
    print(f"wrote {args.count} profiles (seed {args.seed}) to {written}")


# ----------------------------------------------------------------------------------------------------
# Which rows are messy, drawn before the rows themselves.
# ----------------------------------------------------------------------------------------------------


class _MessPlan:
    def __init__(self) -> None:
        self.kind_of: dict[int, list[str]] = {}
        self.duplicates: list[tuple[int, int]] = []
        self.newline_rows: list[int] = []

    @classmethod
    def draw(cls, rng: random.Random, count: int) -> _MessPlan:
        plan = cls()
        order = list(range(count))
        rng.shuffle(order)
        taken = 0
        for kind, bp in EMAIL_KINDS_BP:
            size = count * bp // 10000
            plan._mark(kind, order[taken : taken + size])
            taken += size
        size = count * EMAIL_DUPLICATE_BP // 10000
        duplicates, sources = order[taken : taken + size], order[taken + size : taken + 2 * size]
        plan.duplicates = list(zip(duplicates, sources, strict=True))
        taken += 2 * size

        # Name kinds stay off duplicated people, so that copying a name never adds or removes one.
        copied = set(duplicates) | set(sources)
        candidates = [index for index in range(count) if index not in copied]
        rng.shuffle(candidates)
        taken = 0
        for kind, bp in NAME_KINDS_BP:
            size = count * bp // 10000
            plan._mark(kind, candidates[taken : taken + size])
            taken += size
        newlines = 2 if count >= 1000 else 1 if count >= 100 else 0
        plan.newline_rows = candidates[taken : taken + newlines]

        order = list(range(count))
        rng.shuffle(order)
        taken = 0
        for kind, bp in PHONE_KINDS_BP:
            size = count * bp // 10000
            plan._mark(kind, order[taken : taken + size])
            taken += size
        return plan

    def _mark(self, kind: str, indexes: list[int]) -> None:
        for index in indexes:
            self.kind_of.setdefault(index, []).append(kind)

    def has(self, index: int, kind: str) -> bool:
        return kind in self.kind_of.get(index, [])


# ----------------------------------------------------------------------------------------------------
# One clean row, then its messy variant.
# ----------------------------------------------------------------------------------------------------


def _clean_row(
    rng: random.Random, index: int, plan: _MessPlan, used_mailboxes: set[str]
) -> tuple[dict[str, str], list[PhonePlan]]:
    """A well-formed profile, and the phone plans of its city for a later national-format number."""
    city, country, _, phone_plans = _weighted(rng, [(c, c[2]) for c in CITIES])
    culture = _weighted(rng, CULTURE_MIX[country])
    given_names, family_names = CULTURES[culture]
    given = rng.choice(given_names)
    first_name, first_ascii = _name_forms(given)
    last_name, last_ascii = _name_forms(rng.choice(family_names))
    if plan.has(index, "name_apostrophe"):
        if isinstance(given, tuple):  # an Irish or Italian surname goes with a Latin-script first name
            first_name, first_ascii = _name_forms(rng.choice(ENGLISH[0]))
        last_name = rng.choice(APOSTROPHE_SURNAMES)
        last_ascii = _ascii_slug(last_name, keep_apostrophe=rng.randrange(3) == 0)
    email = _email(rng, first_ascii, last_ascii, used_mailboxes)
    phone = _phone(rng, phone_plans, national=False)

    signup = FIRST_SIGNUP_DATE + timedelta(days=rng.randint(0, (REFERENCE_DATE - FIRST_SIGNUP_DATE).days))
    if rng.randrange(100) < NEVER_PURCHASED_PERCENT:
        cents, last_purchase = 0, ""
    else:
        low, high, _ = _weighted(rng, [(b, b[2]) for b in VALUE_BUCKETS])
        cents = rng.randint(low * 100, high * 100 - 1)
        span = (REFERENCE_DATE - signup).days
        last_purchase = (signup + timedelta(days=max(rng.randint(0, span), rng.randint(0, span)))).isoformat()
    tier = sum(1 for floor in TIER_FLOORS_CENTS[1:] if cents >= floor)
    if cents and rng.randrange(100) < TIER_DRIFT_PERCENT:
        tier = min(max(tier + rng.choice([-1, 1]), 0), len(TIERS) - 1)
    row = {
        "CustomerId": f"C{index + 1:06d}",
        "FirstName": first_name,
        "LastName": last_name,
        "Email": email,
        "Phone": phone,
        "City": city,
        "Country": country,
        "LifetimeValue": f"{cents // 100}.{cents % 100:02d}",
        "LoyaltyTier": TIERS[tier],
        "SignupDate": signup.isoformat(),
        "LastPurchaseDate": last_purchase,
        "MarketingConsent": "true" if rng.randrange(100) < CONSENT_PERCENT else "false",
    }
    return row, phone_plans


def _mess_up_row(rng: random.Random, row: dict[str, str], kinds: list[str], phone_plans: list[PhonePlan]) -> None:
    email = row["Email"]
    local, _, domain = email.partition("@")
    for kind in kinds:
        if kind == "email_missing_at":
            row["Email"] = rng.choice([local + domain, f"{local}(at){domain}"])
        elif kind == "email_double_dot":
            row["Email"] = (
                f"{local.replace('.', '..', 1)}@{domain}" if "." in local else f"{local}@{domain.replace('.', '..', 1)}"
            )
        elif kind == "email_missing_tld":
            row["Email"] = f"{local}@example"
        elif kind == "email_space_inside":
            if "." in local and rng.randrange(2) == 0:
                row["Email"] = f"{local.replace('.', ' ', 1)}@{domain}"
            else:
                row["Email"] = rng.choice([f"{local} @{domain}", f"{local}@ {domain}"])
        elif kind == "email_empty":
            row["Email"] = ""
        elif kind == "email_outer_whitespace":
            row["Email"] = rng.choice([" {}", "{} ", "  {} ", "{}\t", "\t{}"]).format(email)
        elif kind == "email_mixed_case":
            style = rng.randrange(4)
            if style == 0:
                row["Email"] = email.upper()
            elif style == 1:
                row["Email"] = ".".join(part.capitalize() for part in local.split(".")) + "@" + domain.capitalize()
            elif style == 2:
                row["Email"] = f"{local}@{domain.upper()}"
            else:
                row["Email"] = local.capitalize() + "@" + domain
        elif kind == "phone_national":
            row["Phone"] = _phone(rng, phone_plans, national=True)
        elif kind == "phone_impossible":
            row["Phone"] = rng.choice(IMPOSSIBLE_PHONES)
        elif kind == "phone_empty":
            row["Phone"] = ""
        elif kind == "name_semicolon":
            if rng.randrange(2) == 0:
                row["FirstName"] = f"{row['FirstName']};{_plain_name(rng.choice(ENGLISH[0]))}"
            else:
                row["LastName"] = f"{row['LastName']}; {_plain_name(rng.choice(ENGLISH[1]))}"
        elif kind == "name_comma":
            if rng.randrange(3) == 0:
                row["FirstName"] = f"{row['FirstName']}, {rng.choice('ABCDEFGHJKLMNPRSTW')}."
            else:
                row["LastName"] = f"{row['LastName']}, {rng.choice(NAME_SUFFIXES)}"
        elif kind == "name_quote":
            if rng.randrange(3) == 0:
                row["LastName"] = f'"{row["LastName"]}"'
            else:
                row["FirstName"] = f'{row["FirstName"]} "{rng.choice(NICKNAMES)}"'


def _weighted(rng: random.Random, options: Sequence[tuple[T, int]]) -> T:
    values = [value for value, _ in options]
    weights = [weight for _, weight in options]
    return rng.choices(values, weights=weights)[0]


def _name_forms(name: Name) -> tuple[str, str]:
    """The name as shown and its email form."""
    if isinstance(name, tuple):
        return name[0], name[1]
    return name, _ascii_slug(name)


def _plain_name(name: Name) -> str:
    return name[0] if isinstance(name, tuple) else name


def _ascii_slug(name: str, keep_apostrophe: bool = False) -> str:
    allowed = "abcdefghijklmnopqrstuvwxyz0123456789-" + ("'" if keep_apostrophe else "")
    text = "".join(TRANSLITERATION.get(ch, ch) for ch in name.lower())
    return "".join(ch for ch in text if ch in allowed).strip("-'") or "customer"


def _email(rng: random.Random, first: str, last: str, used_mailboxes: set[str]) -> str:
    form = _weighted(rng, EMAIL_LOCAL_FORMS)
    birth_year = rng.randint(1950, 2006)
    local = form.format(f=first, l=last, i=first[0], li=last[0], yy=f"{birth_year % 100:02d}", yyyy=str(birth_year))
    domain = _weighted(rng, EMAIL_DOMAINS)
    candidate, number = local, 1
    while f"{candidate}@{domain}" in used_mailboxes:
        number += 1
        candidate = f"{local}{number}"
    used_mailboxes.add(f"{candidate}@{domain}")
    if rng.randrange(100) < PLUS_ADDRESSING_PERCENT:
        candidate = f"{candidate}+{rng.choice(PLUS_TAGS)}"
    return f"{candidate}@{domain}"


def _phone(rng: random.Random, plans: list[PhonePlan], national: bool) -> str:
    _, calling_code, prefixes, random_digits, international_mask, national_mask = _weighted(
        rng, [(p, p[0]) for p in plans]
    )
    number = rng.choice(prefixes) + "".join(str(rng.randrange(10)) for _ in range(random_digits))
    if national:
        return _apply_mask(national_mask, number)
    if rng.randrange(100) < 60:
        return f"+{calling_code}{number}"
    return _apply_mask(international_mask, number)


def _apply_mask(mask: str, digits: str) -> str:
    if mask.count("#") != len(digits):
        raise ValueError(f"phone mask {mask!r} does not fit {len(digits)} digits")
    remaining = iter(digits)
    return "".join(next(remaining) if ch == "#" else ch for ch in mask)


if __name__ == "__main__":
    main()
