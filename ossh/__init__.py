"""ossh: an interactive shell, a client core and an embedded server for Alibaba Cloud OSS."""

__version__ = "0.1.0"
