//! A client that calls with `Authorization: Bearer` and no cookie, as API callers do.

use super::{Reply, Server};
use reqwest::Method;
use serde_json::Value;

impl Server {
    /// A bearer-token client for the OpenAPI.
    pub fn bearer(&self, token: &str) -> Bearer {
        Bearer {
            base: self.base.clone(),
            token: token.to_string(),
        }
    }
}

pub struct Bearer {
    pub base: String,
    pub token: String,
}

impl Bearer {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut rb = reqwest::Client::new()
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        Reply::of(rb.send().await.unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }
}
