"""Pharmacogenomics engine: VCF calls and lab calls to phenotypes and CPIC advice (pure Python)."""
