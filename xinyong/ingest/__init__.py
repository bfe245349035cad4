"""Collection (归集): department submissions validated, linked, stored or quarantined."""
