"""Screening: parties and transactions against the loaded lists, failing closed.

`party.Screener` turns one party (name, country, schema, date of birth, identifiers) into
ranked hits with explanations and the snapshot ids used; `transaction` adds policy, items and
red flags to reach a Decision. Any missing or stale list makes the outcome "review", never
"clear".
"""
