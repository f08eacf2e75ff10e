"""What core tells the apps above it, which it cannot import.

`delivery_given_up(delivery=...)`: an email was refused for good (the mail server refused the
address, or every retry of EMAIL_RETRY_MINUTES failed). Sent inside the transaction that
records it; `notifications.undelivered` tells the clinic's staff.
"""

from django.dispatch import Signal

delivery_given_up = Signal()
