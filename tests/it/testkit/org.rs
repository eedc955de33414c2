//! An organization with the members, roles and workspaces a test needs, made through
//! the management API as people make one: its owner creates the team, invites each
//! member with a role, each member signs in and accepts, and the owner creates the
//! workspaces and adds members to them.
//!
//! ```ignore
//! let acme = Org::build(&s, "acme").owner("alice").admin("carol").member("bob")
//!     .workspace_with("shared", &["bob"]).create().await;
//! let (bob, b) = acme.member("bob");
//! ```

use super::{Server, Session, User};
use serde_json::json;

/// What [`Org::build`] will make; [`OrgBuilder::create`] makes it.
pub struct OrgBuilder<'s> {
    server: &'s Server,
    name: String,
    owner: Option<String>,
    members: Vec<(String, &'static str)>,
    workspaces: Vec<(String, Vec<String>)>,
}

/// One member of an [`Org`]: the account, signed in.
pub struct Member {
    pub user: User,
    pub session: Session,
}

/// A team made by [`Org::build`]; each member's account and session by name.
pub struct Org {
    pub id: String,
    pub name: String,
    pub members: Vec<Member>,
    pub workspaces: Vec<(String, i64)>,
}

impl Org {
    /// A team named `name` on `server`; name its owner, members and workspaces,
    /// then `create()`.
    pub fn build<'s>(server: &'s Server, name: &str) -> OrgBuilder<'s> {
        OrgBuilder {
            server,
            name: name.to_string(),
            owner: None,
            members: Vec::new(),
            workspaces: Vec::new(),
        }
    }

    /// The account and signed-in session of the member called `name`.
    #[track_caller]
    pub fn member(&self, name: &str) -> (&User, &Session) {
        let m = self
            .members
            .iter()
            .find(|m| m.user.name == name)
            .unwrap_or_else(|| panic!("{name} is not a member of {}", self.name));
        (&m.user, &m.session)
    }

    /// The id of the organization's workspace called `name`.
    #[track_caller]
    pub fn workspace(&self, name: &str) -> i64 {
        self.workspaces
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{} has no workspace {name}", self.name))
            .1
    }

    /// A new personal access token of member `name` in this organization's edition,
    /// with these points on all its workspaces, for one day; its secret.
    pub async fn pat(&self, name: &str, points: &[&str]) -> String {
        let (_, session) = self.member(name);
        session
            .pat(json!({
                "name": "team token",
                "organization_id": self.id,
                "permissions": points,
                "all_workspaces": true,
                "expires_in": "1d",
            }))
            .await
            .1
    }
}

impl OrgBuilder<'_> {
    /// The account that creates the organization, and so is its first super admin.
    pub fn owner(mut self, name: &str) -> Self {
        self.owner = Some(name.to_string());
        self
    }

    pub fn super_admin(self, name: &str) -> Self {
        self.with(name, "super_admin")
    }

    pub fn admin(self, name: &str) -> Self {
        self.with(name, "admin")
    }

    pub fn member(self, name: &str) -> Self {
        self.with(name, "member")
    }

    fn with(mut self, name: &str, role: &'static str) -> Self {
        self.members.push((name.to_string(), role));
        self
    }

    /// A workspace of the organization with only its owner in it.
    pub fn workspace(self, name: &str) -> Self {
        self.workspace_with(name, &[])
    }

    /// A workspace of the organization with these members of the organization
    /// added to it (role `member`).
    pub fn workspace_with(mut self, name: &str, members: &[&str]) -> Self {
        let members = members.iter().map(|m| m.to_string()).collect();
        self.workspaces.push((name.to_string(), members));
        self
    }

    /// Makes the accounts, the organization, its memberships and its workspaces.
    pub async fn create(self) -> Org {
        let s = self.server;
        let owner_name = self
            .owner
            .as_deref()
            .expect("Org::build(..).owner(name) names who creates the organization");
        let user = s.user(owner_name).await;
        let session = s.login(&user).await;
        let id = session.team(&self.name).await;
        let mut members = vec![Member { user, session }];
        for (name, role) in &self.members {
            let user = s.user(name).await;
            let session = s.login(&user).await;
            let invited = members[0].session.invite(&id, name, role).await;
            let invitation = invited.ok()["invitation_id"].as_str().unwrap().to_string();
            session
                .post(
                    &format!("/api/manage/invitations/{invitation}/accept"),
                    json!({}),
                )
                .await
                .ok();
            members.push(Member { user, session });
        }
        let mut workspaces = Vec::new();
        for (name, in_it) in &self.workspaces {
            let owner = &members[0].session;
            let ws = owner.workspace(name, Some(&id)).await;
            for member in in_it {
                owner.add_workspace_member(ws, member, "member").await.ok();
            }
            workspaces.push((name.clone(), ws));
        }
        Org {
            id,
            name: self.name,
            members,
            workspaces,
        }
    }
}

/// The fixture makes what it names: the roles as the organization lists them, the
/// workspaces in the organization with exactly the members asked for, and sessions
/// and tokens that act as the right account in the right edition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_org_has_the_members_roles_and_workspaces_it_names() {
    let s = Server::start(super::Db::Sqlite).await;
    let acme = Org::build(&s, "acme")
        .owner("ann")
        .super_admin("sue")
        .admin("al")
        .member("bob")
        .workspace("owners only")
        .workspace_with("shared", &["bob", "al"])
        .create()
        .await;
    let (ann, a) = acme.member("ann");
    let listed = a
        .get(&format!("/api/manage/organizations/{}/members", acme.id))
        .await;
    let mut roles: Vec<(String, String)> = listed
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["user_name"].as_str().unwrap().to_string(),
                m["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    roles.sort();
    let want = [
        ("al", "admin"),
        ("ann", "super_admin"),
        ("bob", "member"),
        ("sue", "super_admin"),
    ];
    assert_eq!(
        roles,
        want.map(|(n, r)| (n.to_string(), r.to_string())).to_vec()
    );
    let members_of = |ws: i64| {
        let path = format!("/api/manage/workspaces/{ws}/members");
        async move {
            let mut names: Vec<String> = a
                .get(&path)
                .await
                .ok()
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["user_name"].as_str().unwrap().to_string())
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(members_of(acme.workspace("owners only")).await, ["ann"]);
    assert_eq!(
        members_of(acme.workspace("shared")).await,
        ["al", "ann", "bob"]
    );
    let in_org = a
        .get(&format!(
            "/api/manage/workspaces?organization_id={}",
            acme.id
        ))
        .await;
    assert_eq!(in_org.ok().as_array().unwrap().len(), 2);
    // Each session is its own account's; a member's token acts in the organization.
    let (bob, b) = acme.member("bob");
    let me = b.get("/api/manage/accounts/me").await;
    assert_eq!(me.ok()["user_name"], json!("bob"));
    assert_ne!(bob.id, ann.id);
    let token = acme.pat("bob", &["Bot.list"]).await;
    s.bearer(&token)
        .get(&format!(
            "/v1/bots?workspace_id={}",
            acme.workspace("shared")
        ))
        .await
        .ok();
    s.bearer(&token)
        .get(&format!("/v1/bots?workspace_id={}", bob.personal_workspace))
        .await
        .fails(403, 4101);
}
