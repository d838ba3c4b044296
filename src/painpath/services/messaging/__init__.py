"""Secure messages between a patient and their care team: threads and replies (`threads`), read
state per participant (`read_state`), who takes part (`participants`), attachments checked by
their bytes (`attachments`) and kept on disk by their hash (`attachment_store`), and the
notice sent to the other participants (`notices`)."""
