//! The JSON management API under `/api/manage`.

mod personal_tokens;
