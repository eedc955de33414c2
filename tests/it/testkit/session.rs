//! A signed-in console session on the management API: its JSON calls (cookie plus
//! CSRF header) and the setup steps tests repeat (tokens, teams, members, workspaces).

use super::{Reply, User};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;

/// A signed-in console session.
pub struct Session {
    pub base: String,
    pub client: Client,
    pub csrf: String,
}

impl Session {
    pub async fn sign_in(base: &str, user: &User) -> Session {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        let client = Client::builder().cookie_provider(jar).build().unwrap();
        let r = client
            .post(format!("{base}/api/manage/session"))
            .json(&json!({"user_name": user.name, "password": user.password}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "login of {}", user.name);
        let body: Value = r.json().await.unwrap();
        Session {
            base: base.to_string(),
            client,
            csrf: body["data"]["csrf_token"].as_str().unwrap().to_string(),
        }
    }
}

impl Session {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut rb = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("x-csrf-token", &self.csrf);
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

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a personal access token and returns `(id, secret)`.
    pub async fn pat(&self, body: Value) -> (String, String) {
        let r = self.post("/api/manage/personal_access_tokens", body).await;
        let d = r.ok();
        (
            d["id"].as_str().unwrap().to_string(),
            d["token"].as_str().unwrap().to_string(),
        )
    }

    /// A personal-edition PAT with these points on all workspaces, for 1 day.
    pub async fn simple_pat(&self, points: &[&str]) -> String {
        self.pat(
            json!({"name": "t", "permissions": points, "all_workspaces": true, "expires_in": "1d"}),
        )
        .await
        .1
    }

    /// Invites a user name to an organization with a role; the invitation is pending.
    pub async fn invite(&self, org: &str, user_name: &str, role: &str) -> Reply {
        self.post(
            &format!("/api/manage/organizations/{org}/members"),
            json!({"user_name": user_name, "role": role}),
        )
        .await
    }

    /// Adds an account made by [`Server::user`] to an organization with a role:
    /// invites it, then signs in as it and accepts. Returns the refusal of the
    /// invitation when there is one, else the answer to accepting it.
    pub async fn add_member(&self, org: &str, user_name: &str, role: &str) -> Reply {
        let invited = self.invite(org, user_name, role).await;
        if invited.status != StatusCode::OK {
            return invited;
        }
        let invitee = User {
            id: 0,
            name: user_name.to_string(),
            password: format!("pw-{user_name}-secret"),
            personal_workspace: 0,
        };
        let s = Session::sign_in(&self.base, &invitee).await;
        let id = invited.data()["invitation_id"]
            .as_str()
            .unwrap()
            .to_string();
        s.post(&format!("/api/manage/invitations/{id}/accept"), json!({}))
            .await
    }

    /// Adds a member of the owning organization to one of its workspaces.
    pub async fn add_workspace_member(&self, workspace: i64, user_name: &str, role: &str) -> Reply {
        self.post(
            &format!("/api/manage/workspaces/{workspace}/members"),
            json!({"user_name": user_name, "role": role}),
        )
        .await
    }

    /// Creates a team and returns its id.
    pub async fn team(&self, name: &str) -> String {
        let r = self
            .post(
                "/api/manage/organizations",
                json!({"name": name, "kind": "team"}),
            )
            .await;
        r.ok()["id"].as_str().unwrap().to_string()
    }

    /// Creates a workspace (in an organization when given) and returns its id.
    pub async fn workspace(&self, name: &str, org: Option<&str>) -> i64 {
        let r = self
            .post(
                "/api/manage/workspaces",
                json!({"name": name, "organization_id": org}),
            )
            .await;
        r.ok()["id"].as_str().unwrap().parse().unwrap()
    }
}
