"""Care use cases: suggestions from the stored record, care plans and therapy workflows."""
