"""Operations: one handler per OSS API call, `handler(app, req) -> Response`, grouped by resource."""
