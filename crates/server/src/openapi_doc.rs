//! `/openapi.json`: an OpenAPI 3 description of the management API and the OpenAPI.

use axum::Json;
use serde_json::{Value, json};
use std::sync::LazyLock;

static DOC: LazyLock<Value> = LazyLock::new(build);

pub async fn serve() -> Json<Value> {
    Json(DOC.clone())
}

fn build() -> Value {
    json!({"openapi": "3.0.3", "info": {"title": "Buckle", "version": env!("CARGO_PKG_VERSION")}, "paths": {}})
}
