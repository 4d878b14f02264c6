"""ossh's exit statuses, the same in every mode (one command, -c, -b, piped); `exit N` is the exception."""
OK = 0
FAILED = 1          # a command failed
USAGE = 2           # bad arguments, an unknown command or profile, an unusable config, a quoting error
INTERRUPTED = 130   # Ctrl-C (128 + SIGINT), as shells report it
