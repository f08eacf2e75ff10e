# Read by gunicorn from the directory it starts in (the project's root, as in deploy/ and the README).
# Access-log lines never carry an invitation token, a password-reset key or a confirmation key.
logger_class = "config.gunicorn_logging.RedactingLogger"
