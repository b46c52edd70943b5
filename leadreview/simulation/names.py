"""Invented names and booking details for synthetic people.

The name parts are made up for this project; combinations are drawn by seed and belong
to nobody. Charges are generic offence descriptions, not records.
"""

GIVEN_NAMES: tuple[str, ...] = (
    "Arvel", "Benna", "Corliss", "Dovie", "Elvan", "Fennick", "Galen", "Harlow",
    "Idris", "Jessa", "Korvin", "Lirra", "Marek", "Nessa", "Orrin", "Pellam",
    "Quillon", "Rhosa", "Sorrel", "Tamsin", "Ulric", "Vessa", "Wrenna", "Yarrow",
    "Zorin", "Adair", "Brisa", "Caddoc", "Delphi", "Emrys", "Farra", "Gideon",
    "Hestia", "Ivo", "Jorah", "Kestra", "Lennox", "Mirelle", "Nolan", "Odessa",
)  # fmt: skip

SURNAMES: tuple[str, ...] = (
    "Ashgrove", "Brackwell", "Corvane", "Dunmere", "Elsworth", "Farrowby", "Glenhallow",
    "Hartvane", "Ivesdale", "Jarrowmoor", "Kellbrook", "Larkspire", "Marrowfield",
    "Netherby", "Orwynne", "Pellridge", "Quarrington", "Rookhaven", "Stellmoor",
    "Thornquist", "Umberfell", "Vantreece", "Whitlocke", "Yardleigh", "Zellerby",
    "Amberlin", "Blackwater", "Coldridge", "Dravenport", "Emberly",
)  # fmt: skip

BOOKING_CHARGES: tuple[str, ...] = (
    "Theft II",
    "Theft III",
    "Burglary II",
    "Criminal trespass II",
    "Criminal mischief II",
    "Assault IV",
    "Harassment",
    "DUII",
    "Driving while suspended",
    "Possession of a controlled substance",
    "Failure to appear",
    "Probation violation",
    "Identity theft",
    "Unauthorized use of a vehicle",
    "Disorderly conduct II",
    "Menacing",
)
