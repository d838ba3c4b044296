"""Population jobs: opioid-safety quality measures over pharmacy claims and cohort
pharmacogenomics, sharded across Dask workers (or run in one process) with resumable shards.

The measure functions are pure (polars data frames in, data frames out); the executors decide
where shards run. Nothing here reads the database or the settings.
"""
