"""Ground floor of the server: records, request/response messages, framing, XML, errors; imports no other floor."""
