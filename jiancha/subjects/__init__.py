"""监察对象名录库 — the registry of supervised persons (监察法 Art. 15): who is covered, why, since when."""
