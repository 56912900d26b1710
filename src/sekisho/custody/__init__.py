"""Custody: a verifiable chain-of-custody log for export-controlled devices.

A transparency log in the style of Certificate Transparency and Go's checksum database:
RFC 6962/9162 Merkle tree (`merkle`), C2SP signed-note checkpoints and cosignatures (`note`),
C2SP tlog-tiles storage with durable batches (`tiles`, `log`), EPCIS 2.0 custody statements in
RFC 8785 canonical JSON (`statements`), parties and device twins (`devices`), the ledger tying
them together (`ledger`), offline receipts and audits (C2SP tlog-proof, `verify`), diversion
detectors (`diversion`) and the demo scenario (`demo`).
"""
