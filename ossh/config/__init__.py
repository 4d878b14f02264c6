"""Where ossh's settings come from, key by key:

    flags > environment (OSS_*) > the profile ([default] unless one is named) > ~/.osscredentials
          > the embedded local server

Profiles live in ossh's file ($XDG_CONFIG_HOME/ossh/config) and in ossutil 2.0's (~/.ossutilconfig, or
$OSSUTIL_CONFIG_FILE); where both define a profile, ossh's section is used whole. `--config-file PATH`
reads (and writes) that one file instead. A profile named explicitly (`--profile`, $OSSUTIL_PROFILE)
brings its own credentials: those in the environment, and ~/.osscredentials, are then not used.
"""

from .dirs import cache_dir, config_dir, data_dir, state_dir
from .keys import BY_FIELD, KEYS, ConfigError, key_named, mask
from .resolve import CONFIG_FILE_ENV, EMBEDDED, PROFILE_ENV, Accounts, Settings, Sources, resolve

# a few lines for `ossh --help` and the shell's `help`
HELP = """\
accounts: flags > environment (OSS_ENDPOINT, OSS_REGION, OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET,
  OSS_SESSION_TOKEN) > the profile ([default] unless --profile or OSSUTIL_PROFILE names one; a named
  profile brings its own credentials) > ~/.osscredentials > the embedded server, key by key.
  Profiles: $XDG_CONFIG_HOME/ossh/config (~/.config/ossh/config), then ~/.ossutilconfig
  (or $OSSUTIL_CONFIG_FILE), ossutil 2.0's INI layout. `ossh config` writes them; `ossh config show`
  shows the effective settings and where each comes from."""


__all__ = [
    "BY_FIELD",
    "CONFIG_FILE_ENV",
    "EMBEDDED",
    "HELP",
    "KEYS",
    "PROFILE_ENV",
    "Accounts",
    "ConfigError",
    "Settings",
    "Sources",
    "cache_dir",
    "config_dir",
    "data_dir",
    "key_named",
    "mask",
    "resolve",
    "state_dir",
]
