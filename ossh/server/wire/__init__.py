"""Ground floor: records, request/response messages, framing, XML, errors, body pacing and gzip; imports no floor."""
