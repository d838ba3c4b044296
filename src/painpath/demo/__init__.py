"""The deterministic synthetic demo cohort: never real people, never real patients.

`generate_cohort` builds the cohort as plain values (a pure function of seed, size and as-of
date); `seed_demo` writes it into an empty database inside the caller's transaction. The demo
logins and their development-only passwords are listed in `painpath.demo.staff`.
"""

from painpath.demo.cohort import DEFAULT_PATIENTS, DEFAULT_SEED, Cohort, generate_cohort
from painpath.demo.seed import SeedReport, patient_count, seed_demo
from painpath.demo.staff import DemoLogin, featured_logins

__all__ = [
    "DEFAULT_PATIENTS",
    "DEFAULT_SEED",
    "Cohort",
    "DemoLogin",
    "SeedReport",
    "featured_logins",
    "generate_cohort",
    "patient_count",
    "seed_demo",
]
