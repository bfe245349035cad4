"""Subject rights: objections (异议), repair (信用修复), authorisations, the query log."""
