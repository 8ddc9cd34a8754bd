-- A third kind of personal token (issue 12, assisted checks): `ceac`, which may only hand
-- visanav a CEAC result page through the bookmarklet (POST /ceac/bookmarklet). It opens no
-- page and no API endpoint, so a bookmark that leaks lets nobody read a case. Keep in step
-- with the other backend's file of the same name.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_scope_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_scope_check
    CHECK (scope IN ('read', 'read write', 'ceac'));
