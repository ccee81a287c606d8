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

The messy email kinds are on distinct rows; the other rows have a unique, lower-case, valid email (a mailbox
an earlier profile took gets a number after a dot, ``jane.doe.2@example.com``). Customer ids are always
unique and non-empty. Dates are before the fixed reference date 2025-06-30, never "today".

The output depends only on ``count`` and ``seed``: the module draws from ``numpy.random.default_rng(seed)``
alone, in a fixed order, with integer draws for every choice (no float probabilities), the word lists below,
integer arithmetic for amounts and dates, and nothing that depends on hashing or set ordering. The columns are
built whole (one draw per column, not per row), so a million profiles take seconds. Changing a list or the
order of random draws changes the sample; regenerate the bundled file afterwards with::

    uv run python -m ci_sendinblue.profiles.sample

(``--count``, ``--seed`` and ``--output`` change the defaults of 5000 rows, seed 7 and
``ci_sendinblue/examples/profiles.csv``; a ``.parquet`` output is written as Parquet.)
"""

from __future__ import annotations

import argparse
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

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
E164_PERCENT = 60  # the other well-formed numbers are international with spaces or dashes


def generate_sample_profiles(count: int = 5000, seed: int = 7) -> pd.DataFrame:
    """``count`` sample profiles, the same for the same ``count`` and ``seed`` on any machine."""
    if count < 0:
        raise ValueError(f"count must be zero or more, not {count}")
    if seed < 0:
        raise ValueError(f"seed must be zero or more, not {seed}")
    rng = np.random.default_rng(seed)
    plan = _MessPlan.draw(rng, count)
    city = _weighted(rng, [weight for _, _, weight, _ in CITIES], count)
    names = _Names.draw(rng, _CITY_COUNTRY[city], plan)
    local, domain = _mailboxes(rng, names)
    email = _emails(rng, local, domain, plan)
    phone = _phones(rng, city, plan)
    value, tier, signup, last_purchase = _purchases(rng, count)
    consent = rng.integers(0, 100, count) < CONSENT_PERCENT
    names.mess_up(rng, plan)

    first, last = names.first, names.last
    duplicates, sources = plan.duplicates, plan.sources
    first[duplicates], last[duplicates], email[duplicates] = first[sources], last[sources], email[sources]
    consent[duplicates] = ~consent[sources]

    columns = [
        _customer_ids(count),
        first,
        last,
        email,
        phone,
        _CITY_NAMES[city],
        _COUNTRY_CODES[_CITY_COUNTRY[city]],
        value,
        tier,
        signup,
        last_purchase,
        _BOOLEANS[consent.astype(np.intp)],
    ]
    return pd.DataFrame(dict(zip(COLUMNS, columns, strict=True)), columns=COLUMNS)


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


def main(
    argv: Sequence[str] | None = None,
    prog: str = "python -m ci_sendinblue.profiles.sample",
    default_output: Path = BUNDLED_PROFILES_CSV,
) -> int:
    """Write a sample as the flags say. ``ci-sendinblue sample-profiles`` forwards here with its own ``prog``
    and a default output in the current folder (an installed package's folder is no place to write to)."""
    parser = argparse.ArgumentParser(prog=prog, description="Write deterministic sample unified customer profiles.")
    parser.add_argument("--count", type=int, default=5000, help="number of profiles (default 5000)")
    parser.add_argument("--seed", type=int, default=7, help="random seed; same count and seed, same file (default 7)")
    parser.add_argument(
        "--output",
        type=Path,
        default=default_output,
        help=f"CSV, or Parquet if it ends in .parquet (default {default_output})",
    )
    args = parser.parse_args(argv)
    if args.count < 0:
        parser.error("--count must be 0 or more")
    written = write_sample_profiles(args.output, count=args.count, seed=args.seed)
    print(f"wrote {args.count} profiles (seed {args.seed}) to {written}")
    return 0


# ----------------------------------------------------------------------------------------------------
# The lists above as arrays, so that a column is one lookup of drawn indexes. Text columns are object arrays
# of str, as pandas reads a CSV; values looked up in a table share one string object.
# ----------------------------------------------------------------------------------------------------


def _texts(values: Sequence[str]) -> np.ndarray:
    array = np.empty(len(values), dtype=object)
    array[:] = list(values)
    return array


def _name_forms(name: Name) -> tuple[str, str]:
    """The name as shown and its email form."""
    if isinstance(name, tuple):
        return name[0], name[1]
    return name, _ascii_slug(name)


def _ascii_slug(name: str, keep_apostrophe: bool = False) -> str:
    allowed = "abcdefghijklmnopqrstuvwxyz0123456789-" + ("'" if keep_apostrophe else "")
    text = "".join(TRANSLITERATION.get(ch, ch) for ch in name.lower())
    return "".join(ch for ch in text if ch in allowed).strip("-'") or "customer"


@dataclass(frozen=True)
class _NameTable:
    """Names of several groups one after the other; group ``g`` is ``start[g]`` to ``start[g] + size[g]``."""

    shown: np.ndarray
    email_form: np.ndarray
    initial: np.ndarray
    in_latin_script: np.ndarray
    start: np.ndarray
    size: np.ndarray

    @classmethod
    def of(cls, groups: Sequence[Sequence[Name]]) -> _NameTable:
        names = [name for group in groups for name in group]
        forms = [_name_forms(name) for name in names]
        size = np.array([len(group) for group in groups])
        return cls(
            shown=_texts([shown for shown, _ in forms]),
            email_form=_texts([email_form for _, email_form in forms]),
            initial=_texts([email_form[0] for _, email_form in forms]),
            in_latin_script=np.array([isinstance(name, str) for name in names], dtype=bool),
            start=np.cumsum(size) - size,
            size=size,
        )

    def draw(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """One name index per entry of ``group``, uniform inside the group."""
        return self.start[group] + rng.integers(0, self.size[group])


_CULTURE_KEYS = list(CULTURES)
_ENGLISH_GROUP = _CULTURE_KEYS.index("english")
_APOSTROPHE_GROUP = len(_CULTURE_KEYS)
_GIVEN_NAMES = _NameTable.of([given for given, _ in CULTURES.values()])
_FAMILY_NAMES = _NameTable.of([*(family for _, family in CULTURES.values()), APOSTROPHE_SURNAMES])
# The email form of an apostrophe surname that keeps it (``o'brien``), same order as APOSTROPHE_SURNAMES.
_APOSTROPHE_EMAIL_FORMS = _texts([_ascii_slug(name, keep_apostrophe=True) for name in APOSTROPHE_SURNAMES])
_ENGLISH_GIVEN = _texts(ENGLISH[0])
_ENGLISH_FAMILY = _texts(ENGLISH[1])

_COUNTRY_CODES = _texts(list(CULTURE_MIX))
_CITY_NAMES = _texts([name for name, _, _, _ in CITIES])
_CITY_COUNTRY = np.array([list(CULTURE_MIX).index(country) for _, country, _, _ in CITIES])
# Per country (in CULTURE_MIX order): the culture groups of its people and their weights.
_COUNTRY_CULTURES = [
    (np.array([_CULTURE_KEYS.index(culture) for culture, _ in mix]), [weight for _, weight in mix])
    for mix in CULTURE_MIX.values()
]

_DOMAINS = _texts([domain for domain, _ in EMAIL_DOMAINS])
_YEARS = range(1950, 2007)
_TWO_DIGITS = _texts([f"{number:02d}" for number in range(100)])
_FOUR_DIGIT_YEARS = _texts([str(year) for year in _YEARS])
_PLUS_TAGS = _texts(PLUS_TAGS)
_IMPOSSIBLE_PHONES = _texts(IMPOSSIBLE_PHONES)
# (before, after) the email for the outer whitespace kind.
_PADDINGS = [(" ", ""), ("", " "), ("  ", " "), ("", "\t"), ("\t", "")]
_NICKNAMES = _texts(NICKNAMES)
_NAME_SUFFIXES = _texts(NAME_SUFFIXES)
_INITIALS = _texts(list("ABCDEFGHJKLMNPRSTW"))

_DAYS_BEFORE_REFERENCE = (REFERENCE_DATE - FIRST_SIGNUP_DATE).days
_DATES = _texts([(FIRST_SIGNUP_DATE + timedelta(days=day)).isoformat() for day in range(_DAYS_BEFORE_REFERENCE)])
_CENTS = _texts([f".{cents:02d}" for cents in range(100)])
_TIERS = _texts(TIERS)
_BOOLEANS = _texts(["false", "true"])


@dataclass(frozen=True)
class _PhoneFormat:
    """A phone plan ready for whole columns: its prefixes as digit rows and its masks."""

    prefixes: np.ndarray  # one row of digits (0-9) per prefix
    random_digits: int
    e164_mask: str
    international_mask: str
    national_mask: str

    @classmethod
    def of(cls, plan: PhonePlan) -> _PhoneFormat:
        _, calling_code, prefixes, random_digits, international_mask, national_mask = plan
        if len({len(prefix) for prefix in prefixes}) != 1:
            raise ValueError(f"the prefixes {prefixes} of a phone plan must have one length")
        digits = len(prefixes[0]) + random_digits
        phone_format = cls(
            prefixes=np.array([[int(digit) for digit in prefix] for prefix in prefixes], dtype=np.uint8),
            random_digits=random_digits,
            e164_mask=f"+{calling_code}" + "#" * digits,
            international_mask=international_mask,
            national_mask=national_mask,
        )
        for mask in (international_mask, national_mask):
            if mask.count("#") != digits or not mask.isascii():
                raise ValueError(f"phone mask {mask!r} does not fit {digits} digits")
        return phone_format

    def numbers(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """``size`` national significant numbers, one row of digits each."""
        prefixes = self.prefixes[rng.integers(0, len(self.prefixes), size)]
        return np.hstack([prefixes, rng.integers(0, 10, (size, self.random_digits), dtype=np.uint8)])


# The phone plans of every city one after the other; city ``c`` has plans from _CITY_FIRST_PLAN[c].
_PHONE_FORMATS = [_PhoneFormat.of(plan) for _, _, _, plans in CITIES for plan in plans]
_CITY_FIRST_PLAN = np.cumsum([0] + [len(plans) for _, _, _, plans in CITIES])[:-1]
_CITY_PLAN_WEIGHTS = [[weight for weight, *_ in plans] for _, _, _, plans in CITIES]


# ----------------------------------------------------------------------------------------------------
# Which rows are messy, drawn before the rows themselves.
# ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MessPlan:
    rows: dict[str, np.ndarray]  # kind -> the row indexes of that kind
    duplicates: np.ndarray  # rows that take the name and email of the row at the same place in ``sources``
    sources: np.ndarray
    newline_rows: np.ndarray

    @classmethod
    def draw(cls, rng: np.random.Generator, count: int) -> _MessPlan:
        rows: dict[str, np.ndarray] = {}
        order = rng.permutation(count)
        taken = _deal(rows, order, EMAIL_KINDS_BP, count)
        size = count * EMAIL_DUPLICATE_BP // 10000
        duplicates, sources = order[taken : taken + size], order[taken + size : taken + 2 * size]

        # Name kinds stay off duplicated people, so that copying a name never adds or removes one.
        copied = np.zeros(count, dtype=bool)
        copied[duplicates] = True
        copied[sources] = True
        candidates = rng.permutation(np.flatnonzero(~copied))
        taken = _deal(rows, candidates, NAME_KINDS_BP, count)
        newlines = 2 if count >= 1000 else 1 if count >= 100 else 0
        newline_rows = candidates[taken : taken + newlines]

        _deal(rows, rng.permutation(count), PHONE_KINDS_BP, count)
        return cls(rows=rows, duplicates=duplicates, sources=sources, newline_rows=newline_rows)


def _deal(rows: dict[str, np.ndarray], order: np.ndarray, kinds: list[tuple[str, int]], count: int) -> int:
    """Give each kind its share of ``count`` from the front of ``order``; returns how many were taken."""
    taken = 0
    for kind, bp in kinds:
        size = count * bp // 10000
        rows[kind] = order[taken : taken + size]
        taken += size
    return taken


# ----------------------------------------------------------------------------------------------------
# The columns.
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Names:
    first: np.ndarray
    last: np.ndarray
    email_forms: dict[str, np.ndarray]  # the fields f, l, i and li of EMAIL_LOCAL_FORMS

    @classmethod
    def draw(cls, rng: np.random.Generator, country: np.ndarray, plan: _MessPlan) -> _Names:
        culture = np.empty(len(country), dtype=np.intp)
        for index, (cultures, weights) in enumerate(_COUNTRY_CULTURES):
            rows = np.flatnonzero(country == index)
            culture[rows] = cultures[_weighted(rng, weights, len(rows))]
        given = _GIVEN_NAMES.draw(rng, culture)
        family = _FAMILY_NAMES.draw(rng, culture)

        apostrophe = plan.rows["name_apostrophe"]
        family[apostrophe] = _FAMILY_NAMES.draw(rng, np.full(len(apostrophe), _APOSTROPHE_GROUP))
        # An Irish or Italian surname goes with a Latin-script first name.
        other_script = apostrophe[~_GIVEN_NAMES.in_latin_script[given[apostrophe]]]
        given[other_script] = _GIVEN_NAMES.draw(rng, np.full(len(other_script), _ENGLISH_GROUP))
        last_email = _FAMILY_NAMES.email_form[family]
        kept = apostrophe[rng.integers(0, 3, len(apostrophe)) == 0]
        last_email[kept] = _APOSTROPHE_EMAIL_FORMS[family[kept] - _FAMILY_NAMES.start[_APOSTROPHE_GROUP]]

        return cls(
            first=_GIVEN_NAMES.shown[given],
            last=_FAMILY_NAMES.shown[family],
            email_forms={
                "f": _GIVEN_NAMES.email_form[given],
                "l": last_email,
                "i": _GIVEN_NAMES.initial[given],
                "li": _FAMILY_NAMES.initial[family],
            },
        )

    def mess_up(self, rng: np.random.Generator, plan: _MessPlan) -> None:
        """The name kinds other than the apostrophe (drawn with the names), and the newlines."""
        rows = plan.rows["name_semicolon"]
        on_first = rng.integers(0, 2, len(rows)) == 0
        _append(self.first, rows[on_first], ";", _pick(rng, _ENGLISH_GIVEN, on_first.sum()))
        _append(self.last, rows[~on_first], "; ", _pick(rng, _ENGLISH_FAMILY, (~on_first).sum()))

        rows = plan.rows["name_comma"]
        on_first = rng.integers(0, 3, len(rows)) == 0
        _append(self.first, rows[on_first], ", ", _pick(rng, _INITIALS, on_first.sum()) + ".")
        _append(self.last, rows[~on_first], ", ", _pick(rng, _NAME_SUFFIXES, (~on_first).sum()))

        rows = plan.rows["name_quote"]
        on_last = rng.integers(0, 3, len(rows)) == 0
        quoted = rows[on_last]
        self.last[quoted] = '"' + self.last[quoted] + '"'
        _append(self.first, rows[~on_last], ' "', _pick(rng, _NICKNAMES, (~on_last).sum()) + '"')

        for order, row in enumerate(plan.newline_rows):
            names, others = (self.first, _ENGLISH_GIVEN) if order % 2 == 0 else (self.last, _ENGLISH_FAMILY)
            _append(names, row[np.newaxis], "\n", _pick(rng, others, 1))


def _mailboxes(rng: np.random.Generator, names: _Names) -> tuple[np.ndarray, np.ndarray]:
    """Local parts and domains; every mailbox is unique, a few are plus-addressed."""
    count = len(names.first)
    year = rng.integers(0, len(_YEARS), count)
    fields = {**names.email_forms, "yy": _TWO_DIGITS[(year + _YEARS.start) % 100], "yyyy": _FOUR_DIGIT_YEARS[year]}
    form = _weighted(rng, [weight for _, weight in EMAIL_LOCAL_FORMS], count)
    local = np.empty(count, dtype=object)
    for index, (template, _) in enumerate(EMAIL_LOCAL_FORMS):
        rows = np.flatnonzero(form == index)
        local[rows] = _format(template, {name: values[rows] for name, values in fields.items()}, len(rows))
    domain = _DOMAINS[_weighted(rng, [weight for _, weight in EMAIL_DOMAINS], count)]

    # No form puts a digit right after a dot, so a number after a dot never meets a mailbox of another person.
    mailbox = local + "@" + domain
    taken_before = pd.Series(mailbox).groupby(mailbox, sort=False).cumcount().to_numpy()
    again = np.flatnonzero(taken_before > 0)
    local[again] = local[again] + "." + (taken_before[again] + 1).astype(str).astype(object)

    plus = np.flatnonzero(rng.integers(0, 100, count) < PLUS_ADDRESSING_PERCENT)
    local[plus] = local[plus] + "+" + _pick(rng, _PLUS_TAGS, len(plus))
    return local, domain


def _emails(rng: np.random.Generator, local: np.ndarray, domain: np.ndarray, plan: _MessPlan) -> np.ndarray:
    """Clean emails, and the messy email kinds on their rows."""
    email = local + "@" + domain

    rows = plan.rows["email_missing_at"]
    email[rows] = np.where(_coin(rng, len(rows)), local[rows] + domain[rows], local[rows] + "(at)" + domain[rows])

    rows = plan.rows["email_double_dot"]
    head, tail = pd.Series(local[rows], dtype=object), pd.Series(domain[rows], dtype=object)
    email[rows] = np.where(
        head.str.contains(".", regex=False),
        head.str.replace(".", "..", n=1, regex=False) + "@" + tail,
        head + "@" + tail.str.replace(".", "..", n=1, regex=False),
    )

    rows = plan.rows["email_missing_tld"]
    email[rows] = local[rows] + "@example"

    rows = plan.rows["email_space_inside"]
    head, tail = pd.Series(local[rows], dtype=object), pd.Series(domain[rows], dtype=object)
    email[rows] = np.where(
        head.str.contains(".", regex=False) & _coin(rng, len(rows)),
        head.str.replace(".", " ", n=1, regex=False) + "@" + tail,
        np.where(_coin(rng, len(rows)), head + " @" + tail, head + "@ " + tail),
    )

    email[plan.rows["email_empty"]] = ""

    rows = plan.rows["email_outer_whitespace"]
    padding = rng.integers(0, len(_PADDINGS), len(rows))
    before, after = (_texts([pair[side] for pair in _PADDINGS])[padding] for side in (0, 1))
    email[rows] = before + email[rows] + after

    rows = plan.rows["email_mixed_case"]
    head, tail = pd.Series(local[rows], dtype=object), pd.Series(domain[rows], dtype=object)
    style = rng.integers(0, 4, len(rows))
    email[rows] = np.select(
        [style == 0, style == 1, style == 2],
        [
            (head + "@" + tail).str.upper(),
            head.str.title() + "@" + tail.str.capitalize(),
            head + "@" + tail.str.upper(),
        ],
        head.str.capitalize() + "@" + tail,
    )
    return email


def _phones(rng: np.random.Generator, city: np.ndarray, plan: _MessPlan) -> np.ndarray:
    count = len(city)
    format_of_row = np.empty(count, dtype=np.intp)
    for index, weights in enumerate(_CITY_PLAN_WEIGHTS):
        rows = np.flatnonzero(city == index)
        format_of_row[rows] = _CITY_FIRST_PLAN[index] + _weighted(rng, weights, len(rows))
    national = np.zeros(count, dtype=bool)
    national[plan.rows["phone_national"]] = True
    e164 = rng.integers(0, 100, count) < E164_PERCENT

    phones = np.empty(count, dtype=object)
    for index, phone_format in enumerate(_PHONE_FORMATS):
        rows = np.flatnonzero(format_of_row == index)
        numbers = phone_format.numbers(rng, len(rows))
        for mask, chosen in (
            (phone_format.national_mask, national[rows]),
            (phone_format.e164_mask, ~national[rows] & e164[rows]),
            (phone_format.international_mask, ~national[rows] & ~e164[rows]),
        ):
            phones[rows[chosen]] = _apply_mask(mask, numbers[chosen])

    rows = plan.rows["phone_impossible"]
    phones[rows] = _pick(rng, _IMPOSSIBLE_PHONES, len(rows))
    phones[plan.rows["phone_empty"]] = ""
    return phones


def _purchases(rng: np.random.Generator, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """LifetimeValue, LoyaltyTier, SignupDate and LastPurchaseDate; the dates are before REFERENCE_DATE."""
    signup = rng.integers(0, _DAYS_BEFORE_REFERENCE, count)  # days after FIRST_SIGNUP_DATE
    bought = rng.integers(0, 100, count) >= NEVER_PURCHASED_PERCENT
    bucket = _weighted(rng, [weight for _, _, weight in VALUE_BUCKETS], count)
    low, high = (np.array([bounds[side] * 100 for bounds in VALUE_BUCKETS]) for side in (0, 1))
    cents = np.where(bought, rng.integers(low[bucket], high[bucket]), 0)
    span = _DAYS_BEFORE_REFERENCE - signup
    last_purchase = signup + np.maximum(rng.integers(0, span), rng.integers(0, span))

    tier = np.searchsorted(TIER_FLOORS_CENTS, cents, side="right") - 1
    drift = bought & (rng.integers(0, 100, count) < TIER_DRIFT_PERCENT)
    step = np.where(_coin(rng, count), 1, -1)
    tier = np.where(drift, np.clip(tier + step, 0, len(TIERS) - 1), tier)

    value = (cents // 100).astype(str).astype(object) + _CENTS[cents % 100]
    return value, _TIERS[tier], _DATES[signup], np.where(bought, _DATES[last_purchase], "")


def _customer_ids(count: int) -> np.ndarray:
    return _texts([f"C{number:06d}" for number in range(1, count + 1)])


# ----------------------------------------------------------------------------------------------------
# Helpers on whole columns.
# ----------------------------------------------------------------------------------------------------


def _weighted(rng: np.random.Generator, weights: Sequence[int], size: int) -> np.ndarray:
    """``size`` indexes into ``weights``, each drawn with probability weight / total."""
    bounds = np.cumsum(weights)
    return np.searchsorted(bounds, rng.integers(0, bounds[-1], size), side="right")


def _pick(rng: np.random.Generator, options: np.ndarray, size: int) -> np.ndarray:
    return options[rng.integers(0, len(options), size)]


def _coin(rng: np.random.Generator, size: int) -> np.ndarray:
    return rng.integers(0, 2, size) == 0


def _append(names: np.ndarray, rows: np.ndarray, separator: str, others: np.ndarray) -> None:
    names[rows] = names[rows] + separator + others


def _format(template: str, fields: dict[str, np.ndarray], size: int) -> np.ndarray:
    """``template.format(**fields)`` row by row, built one piece at a time for all rows."""
    text = np.full(size, "", dtype=object)
    for literal, field, _, _ in string.Formatter().parse(template):
        text = text + literal
        if field is not None:
            text = text + fields[field]
    return text


def _apply_mask(mask: str, digits: np.ndarray) -> np.ndarray:
    """Each row of ``digits`` (values 0-9) written into ``mask``, ``#`` taking the next digit."""
    slots = [position for position, ch in enumerate(mask) if ch == "#"]
    text = np.tile(np.frombuffer(mask.encode("ascii"), dtype=np.uint8), (len(digits), 1))
    text[:, slots] = digits + ord("0")
    return text.view(f"S{len(mask)}").ravel().astype(str).astype(object)


if __name__ == "__main__":
    raise SystemExit(main())
