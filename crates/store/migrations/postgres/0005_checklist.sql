-- The 221(g) checklist keeps, per document, the day it was gathered or submitted and a note
-- (encrypted: "sent by courier, tracking 123…" is personal). Keep in step with the other
-- backend's file of the same name.
ALTER TABLE case_documents ADD COLUMN status_on TEXT;
ALTER TABLE case_documents ADD COLUMN note_enc BYTEA;
