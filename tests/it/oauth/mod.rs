//! OAuth apps' flows over HTTP.

mod jwt;

pub(crate) use jwt::*;
