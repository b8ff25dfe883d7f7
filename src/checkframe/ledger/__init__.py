"""The ledger wing: inspection records replayed through the closed loop, and the forms they fill.

::

    findings.py  a finding and the moves of the closed loop
    records.py   records and unit registrations as TOML files (the store)
    ledger.py    the ledger: every finding's state, replayed from the store
    rows.py      the ledger as rows, and the tables of 附件4 and 附件5
    store.py     new records: inspect new, inspect recheck
    reports.py   the values of the filled forms, for a date range
"""
