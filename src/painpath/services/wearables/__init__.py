"""Wearable exports into the record, and reads of the stored samples."""
