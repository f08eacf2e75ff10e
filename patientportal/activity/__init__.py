"""The audit trail read back, in words: the patient's "Who viewed my record" and the clinic's
audit trail with its CSV export (issue 16, parts 1 and 2).

`audit` writes the events and knows nothing above it; naming what an event touched ("order
1042", a document's title, an appointment's day) and who acted (a name and a role in the
clinic) reads the rows of the apps above it, so the reading lives here, one layer below the two
UI apps that show it (.importlinter). No models: the events are `audit.AuditEvent`.
"""
