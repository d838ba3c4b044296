"""PGx on the record: uploads, stored genotypes, and the current PGx picture."""
