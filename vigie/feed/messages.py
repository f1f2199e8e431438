"""Reasons a feed batch is refused, in French (for the UI) and English (for the API).

Each message says what is wrong and how to fix it. Placeholders are filled from the
problem's parameters; `line` and `column` are shown by the caller, not repeated here
unless the message needs them.
"""
from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": (
        "Le lot fait {size_mb} Mo, au-delà de la limite de {limit_mb} Mo : découpez-le en plusieurs fichiers.",
        "The batch is {size_mb} MB, over the {limit_mb} MB limit: split it into several files.",
    ),
    "empty": (
        "Le fichier est vide : envoyez un en-tête puis au moins une ligne de données.",
        "The file is empty: send a header line and at least one data row.",
    ),
    "no_rows": (
        "Le fichier n'a qu'un en-tête, aucune ligne de données : ajoutez les observations.",
        "The file has a header but no data rows: add the observations.",
    ),
    "not_utf8": (
        "Le fichier n'est pas en UTF-8 (octet {offset} invalide) : enregistrez-le en UTF-8.",
        "The file is not UTF-8 (invalid byte at offset {offset}): save the file as UTF-8.",
    ),
    "nul_byte": (
        "Le fichier contient un octet nul (octet {offset}) : ce n'est pas un fichier texte CSV ou JSON.",
        "The file contains a NUL byte (offset {offset}): it is not a CSV or JSON text file.",
    ),
    "bad_json": (
        "JSON illisible ({detail}) : vérifiez la syntaxe du document.",
        "Unreadable JSON ({detail}): check the document's syntax.",
    ),
    "json_shape": (
        "Forme JSON inattendue : envoyez une liste d'objets, ou {{\"observations\": [...], \"unique_visitors\": [...]}}.",
        "Unexpected JSON shape: send a list of objects, or {{\"observations\": [...], \"unique_visitors\": [...]}}.",
    ),
    "json_key": (
        "Clé JSON inconnue « {value} » : seules \"observations\" et \"unique_visitors\" sont acceptées.",
        "Unknown JSON key \"{value}\": only \"observations\" and \"unique_visitors\" are accepted.",
    ),
    "json_not_object": (
        "L'élément n'est pas un objet JSON : chaque observation est un objet {{\"sector_id\": ..., ...}}.",
        "The item is not a JSON object: each observation is an object {{\"sector_id\": ..., ...}}.",
    ),
    "json_type": (
        "Valeur JSON de type {value} : attendu un entier, null, ou un texte.",
        "JSON value of type {value}: expected an integer, null, or a string.",
    ),
    "csv_syntax": (
        "Erreur de syntaxe CSV ({detail}) : vérifiez les guillemets de cette ligne.",
        "CSV syntax error ({detail}): check the quotes on this line.",
    ),
    "missing_columns": (
        "Colonnes manquantes : {value}. L'en-tête attendu est : {expected}.",
        "Missing columns: {value}. The expected header is: {expected}.",
    ),
    "extra_columns": (
        "Colonnes non autorisées : {value}. Retirez-les ; l'en-tête attendu est : {expected}.",
        "Columns not allowed: {value}. Remove them; the expected header is: {expected}.",
    ),
    "duplicate_column": (
        "La colonne « {value} » apparaît deux fois dans l'en-tête : gardez-en une.",
        "Column \"{value}\" appears twice in the header: keep one.",
    ),
    "cell_too_long": (
        "Cellule de {value} caractères : {column} en admet au plus {expected} ; vérifiez le séparateur et les fins de ligne.",
        "Cell of {value} characters: {column} allows at most {expected}; check the separator and line endings.",
    ),
    "header_too_long": (
        "En-tête de {value} caractères : la première ligne doit être l'en-tête {expected}.",
        "Header of {value} characters: the first line must be the header {expected}.",
    ),
    "field_count": (
        "{value} champs au lieu de {expected}{hint_fr} : chaque ligne doit avoir autant de champs que l'en-tête.",
        "{value} fields instead of {expected}{hint_en}: every line must have as many fields as the header.",
    ),
    "missing_value": (
        "Valeur vide : {column} est obligatoire.",
        "Empty value: {column} is required.",
    ),
    "decimal": (
        "« {value} » : les effectifs doivent être des nombres entiers (pas de décimales ni de virgule).",
        "\"{value}\": counts must be whole numbers (no decimals, no decimal comma).",
    ),
    "negative": (
        "« {value} » : un effectif ne peut pas être négatif.",
        "\"{value}\": a count cannot be negative.",
    ),
    "spaces": (
        "« {value} » : écrivez le nombre sans espace ni séparateur de milliers (ex. 12345).",
        "\"{value}\": write the number without spaces or thousands separators (e.g. 12345).",
    ),
    "not_a_number": (
        "« {value} » n'est pas un nombre entier : écrivez des chiffres seulement, ou laissez vide si la valeur est masquée.",
        "\"{value}\" is not a whole number: write digits only, or leave the cell empty when the value is suppressed.",
    ),
    "count_too_large": (
        "« {value} » est trop grand pour un effectif (maximum {expected}).",
        "\"{value}\" is too large for a count (maximum {expected}).",
    ),
    "unknown_sector": (
        "Secteur « {value} » inconnu : utilisez un code INSEE du catalogue des secteurs (ex. 13001).",
        "Unknown sector \"{value}\": use an INSEE code of the sector catalogue (e.g. 13001).",
    ),
    "bad_instant": (
        "« {value} » n'est pas une date-heure ISO 8601 en UTC : écrivez par ex. 2026-07-14T18:00:00Z.",
        "\"{value}\" is not an ISO 8601 UTC date-time: write e.g. 2026-07-14T18:00:00Z.",
    ),
    "no_offset": (
        "« {value} » n'a pas de fuseau : ajoutez Z (UTC) ou un décalage (+02:00).",
        "\"{value}\" has no time zone: add Z (UTC) or an offset (+02:00).",
    ),
    "misaligned": (
        "« {value} » ne commence pas un créneau de {expected} minutes : arrondissez à l'heure pile ou à la demi-heure.",
        "\"{value}\" does not start a {expected}-minute slot: round it down to the slot start (e.g. :00 or :30).",
    ),
    "future": (
        "« {value} » est dans le futur (plus de {expected} min d'avance) : vérifiez l'horloge de l'émetteur et le fuseau.",
        "\"{value}\" is in the future (more than {expected} min ahead): check the sender's clock and time zone.",
    ),
    "too_old": (
        "« {value} » est antérieur à 2000 : vérifiez la date.",
        "\"{value}\" is before 2000: check the date.",
    ),
    "bad_day": (
        "« {value} » n'est pas une date AAAA-MM-JJ (jour local, Europe/Paris).",
        "\"{value}\" is not a YYYY-MM-DD date (local day, Europe/Paris).",
    ),
    "duplicate_key": (
        "Doublon : {value} figure déjà à la ligne {expected} de ce lot ; gardez une seule ligne.",
        "Duplicate: {value} is already on line {expected} of this batch; keep one line.",
    ),
    "segments_sum": (
        "Les segments font {value} mais present vaut {expected} : residents + tourists_fr + tourists_intl + excursionists doit égaler present.",
        "The segments add up to {value} but present is {expected}: residents + tourists_fr + tourists_intl + excursionists must equal present.",
    ),
}


def render(code: str, params: dict[str, object]) -> tuple[str, str]:
    """(French, English) text of a problem code."""
    fr, en = MESSAGES[code]
    values = {"value": "", "expected": "", "column": "", "hint_fr": "", "hint_en": "", **params}
    return fr.format(**values), en.format(**values)
