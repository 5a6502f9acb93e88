"""The ASL JSON Schema (asl.schema.json) and its compiled check (generated_check.py)."""
