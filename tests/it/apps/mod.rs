//! OAuth app management under `/api/manage`.

mod lifecycle;
