//! The scope object of a channel app's JWT token request, and the narrowing rule:
//! a scope may only take away from what the channel app's token would reach.
//!
//! The object is read strictly: a member given twice or one Buckle does not know is
//! refused, naming it, since ignoring a member meant to narrow would widen the token.

use crate::catalog::PermissionSet;
use crate::ids::{BotId, WorkspaceId, parse_id};
use crate::reach::{Bots, Reach, Workspaces};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// A JSON value that keeps every member of an object in order, duplicates
/// included, so the scope's reader can refuse a member given twice.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// A number, as written back by serde (integers stay exact).
    Number(String),
    Str(String),
    List(Vec<Node>),
    Object(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_none<E: de::Error>(self) -> Result<Node, E> {
        Ok(Node::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Number(v.to_string()))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Node>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Node>()? {
            members.push((k, v));
        }
        Ok(Node::Object(members))
    }
}

/// What a scope asks for; `None` leaves that dimension as the app's token has it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scope {
    /// `account_permission.permission_list`.
    pub account_points: Option<Vec<String>>,
    /// `workspace_permission.permission_list` (the Go SDK's member).
    pub workspace_points: Option<Vec<String>>,
    /// `workspace_permission.workspace_id_list`.
    pub workspace_ids: Option<Vec<WorkspaceId>>,
    /// `attribute_constraint.connector_bot_chat_attribute.bot_id_list`.
    pub bot_ids: Option<Vec<BotId>>,
}

/// Why a scope was refused: the offending member or entry (`path`) and what is
/// wrong with it. Shown to the client as `invalid request: {path}: {problem}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub path: String,
    pub problem: String,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.problem)
    }
}

fn refuse<T>(path: impl Into<String>, problem: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal {
        path: path.into(),
        problem: problem.into(),
    })
}

/// The members of an object at `path`, each known and given once; `Null` (and
/// absent) is no object.
fn members<'a>(
    node: &'a Node,
    path: &str,
    known: &[&str],
) -> Result<Option<&'a [(String, Node)]>, Refusal> {
    let members = match node {
        Node::Null => return Ok(None),
        Node::Object(m) => m,
        _ => return refuse(path, "must be an object or null"),
    };
    for (i, (k, _)) in members.iter().enumerate() {
        let at = format!("{path}.{k}");
        if !known.contains(&k.as_str()) {
            return refuse(at, "unknown member");
        }
        if members[..i].iter().any(|(seen, _)| seen == k) {
            return refuse(at, "given twice");
        }
    }
    Ok(Some(members))
}

fn member<'a>(members: &'a [(String, Node)], name: &str) -> &'a Node {
    members
        .iter()
        .find(|(k, _)| k == name)
        .map_or(&Node::Null, |(_, v)| v)
}

/// A list at `path` (`Null` is none), each entry read by `entry`.
fn list<T>(
    node: &Node,
    path: &str,
    entry: impl Fn(&Node) -> Option<T>,
    what: &str,
) -> Result<Option<Vec<T>>, Refusal> {
    let items = match node {
        Node::Null => return Ok(None),
        Node::List(items) => items,
        _ => return refuse(path, "must be a list or null"),
    };
    items
        .iter()
        .enumerate()
        .map(|(i, n)| match entry(n) {
            Some(v) => Ok(v),
            None => refuse(format!("{path}[{i}]"), format!("must be {what}")),
        })
        .collect::<Result<Vec<T>, Refusal>>()
        .map(Some)
}

fn point(n: &Node) -> Option<String> {
    match n {
        Node::Str(s) if !s.is_empty() && s.len() <= 100 => Some(s.clone()),
        _ => None,
    }
}

/// An id as a string of digits (or a plain integer, as some clients send ids).
fn id(n: &Node) -> Option<i64> {
    match n {
        Node::Str(s) | Node::Number(s) => parse_id(s),
        _ => None,
    }
}

const ROOT: &str = "scope";
const ACCOUNT: &str = "scope.account_permission";
const ACCOUNT_POINTS: &str = "scope.account_permission.permission_list";
const WORKSPACE: &str = "scope.workspace_permission";
const WORKSPACE_POINTS: &str = "scope.workspace_permission.permission_list";
const WORKSPACE_IDS: &str = "scope.workspace_permission.workspace_id_list";
const WORKFLOW: &str = "scope.workflow_permission";
const ATTRIBUTES: &str = "scope.attribute_constraint";
const BOT_CHAT: &str = "scope.attribute_constraint.connector_bot_chat_attribute";
const BOT_IDS: &str = "scope.attribute_constraint.connector_bot_chat_attribute.bot_id_list";

/// Reads the scope member of a token request; `None` when it is absent or null.
/// A string is read as the object's JSON text (a form-encoded body carries it so).
pub fn parse(node: Option<&Node>) -> Result<Option<Scope>, Refusal> {
    let reparsed;
    let node = match node {
        None => return Ok(None),
        Some(Node::Str(text)) => {
            reparsed = serde_json::from_str::<Node>(text)
                .or_else(|_| refuse(ROOT, "must be a JSON object"))?;
            &reparsed
        }
        Some(n) => n,
    };
    let Some(root) = members(
        node,
        ROOT,
        &[
            "account_permission",
            "attribute_constraint",
            "workspace_permission",
            "workflow_permission",
        ],
    )?
    else {
        return Ok(None);
    };
    let mut scope = Scope::default();
    if let Some(account) = members(
        member(root, "account_permission"),
        ACCOUNT,
        &["permission_list"],
    )? {
        scope.account_points = list(
            member(account, "permission_list"),
            ACCOUNT_POINTS,
            point,
            "a permission point name",
        )?;
    }
    if let Some(ws) = members(
        member(root, "workspace_permission"),
        WORKSPACE,
        &["workspace_id_list", "permission_list"],
    )? {
        scope.workspace_ids = list(
            member(ws, "workspace_id_list"),
            WORKSPACE_IDS,
            |n| id(n).map(WorkspaceId),
            "a workspace id",
        )?;
        scope.workspace_points = list(
            member(ws, "permission_list"),
            WORKSPACE_POINTS,
            point,
            "a permission point name",
        )?;
    }
    if let Some(wf) = members(
        member(root, "workflow_permission"),
        WORKFLOW,
        &["workflow_id_list", "permission_list"],
    )? {
        // A channel reaches bots, not workflows: an empty request is harmless, any
        // actual ask is refused rather than silently dropped.
        for name in ["workflow_id_list", "permission_list"] {
            let path = format!("{WORKFLOW}.{name}");
            let asked = list(member(wf, name), &path, |_| Some(()), "anything")?;
            if asked.is_some_and(|a| !a.is_empty()) {
                return refuse(path, "a channel token cannot be given workflow access");
            }
        }
    }
    if let Some(attributes) = members(
        member(root, "attribute_constraint"),
        ATTRIBUTES,
        &["connector_bot_chat_attribute"],
    )? && let Some(bot_chat) = members(
        member(attributes, "connector_bot_chat_attribute"),
        BOT_CHAT,
        &["bot_id_list"],
    )? {
        scope.bot_ids = list(
            member(bot_chat, "bot_id_list"),
            BOT_IDS,
            |n| id(n).map(BotId),
            "a bot id",
        )?;
    }
    Ok(Some(scope))
}

fn dedup<T: Ord + Copy>(mut v: Vec<T>) -> Vec<T> {
    v.sort_unstable();
    v.dedup();
    v
}

/// The reach of a channel token narrowed by `scope`: every point, workspace and
/// bot it names must be within `parent`'s, or the first one that is not is named.
/// A dimension the scope leaves out stays as the parent has it.
pub fn narrow(parent: &Reach, scope: &Scope) -> Result<Reach, Refusal> {
    let asked_points = [
        (ACCOUNT_POINTS, &scope.account_points),
        (WORKSPACE_POINTS, &scope.workspace_points),
    ];
    let points = if asked_points.iter().any(|(_, l)| l.is_some()) {
        let mut names = Vec::new();
        for (path, asked) in asked_points {
            for (i, name) in asked.iter().flatten().enumerate() {
                if !parent.points.contains(name) {
                    return refuse(
                        format!("{path}[{i}]"),
                        format!("{name} is not among the app's permission points"),
                    );
                }
                names.push(name.clone());
            }
        }
        PermissionSet::from_names(names)
    } else {
        parent.points.clone()
    };
    let workspaces = match &scope.workspace_ids {
        None => parent.workspaces.clone(),
        Some(ids) => {
            if let Some(i) = ids.iter().position(|id| !parent.workspaces.includes(*id)) {
                return refuse(
                    format!("{WORKSPACE_IDS}[{i}]"),
                    format!("workspace {} is not authorized for the app", ids[i]),
                );
            }
            Workspaces::List(dedup(ids.clone()))
        }
    };
    let bots = match &scope.bot_ids {
        None => parent.bots.clone(),
        Some(ids) => {
            if let Some(i) = ids.iter().position(|id| !parent.bots.includes(*id)) {
                return refuse(
                    format!("{BOT_IDS}[{i}]"),
                    format!("bot {} is not published to the app's channel", ids[i]),
                );
            }
            Bots::List(dedup(ids.clone()))
        }
    };
    Ok(Reach {
        subject: parent.subject,
        points,
        workspaces,
        organization: parent.organization.clone(),
        bots,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reach::Subject;
    use proptest::prelude::*;

    fn read(json: &str) -> Result<Option<Scope>, Refusal> {
        let node: Option<Node> = serde_json::from_str(json).expect("test JSON");
        parse(node.as_ref())
    }

    fn parent() -> Reach {
        Reach {
            subject: Subject::Service,
            points: PermissionSet::from_names(vec!["Bot.read".into(), "Connector.botChat".into()]),
            workspaces: Workspaces::List(vec![WorkspaceId(5), WorkspaceId(6)]),
            organization: Some("9".into()),
            bots: Bots::List(vec![BotId(1), BotId(2), BotId(3)]),
        }
    }

    #[test]
    fn reads_the_sdks_scope_objects() {
        assert_eq!(read("null"), Ok(None));
        let python = r#"{"account_permission":{"permission_list":["Connector.botChat"]},
            "attribute_constraint":{"connector_bot_chat_attribute":{"bot_id_list":["2"]}}}"#;
        assert_eq!(
            read(python),
            Ok(Some(Scope {
                account_points: Some(vec!["Connector.botChat".into()]),
                bot_ids: Some(vec![BotId(2)]),
                ..Scope::default()
            }))
        );
        let no_constraint = r#"{"account_permission":{"permission_list":["Bot.read"]},"attribute_constraint":null}"#;
        assert_eq!(
            read(no_constraint).map(|s| s.and_then(|s| s.bot_ids)),
            Ok(None)
        );
        // A form carries the object as JSON text.
        let text = serde_json::to_string(python).expect("a string");
        assert_eq!(read(&text), read(python));
        let go = r#"{"workspace_permission":{"workspace_id_list":["5"],"permission_list":["Bot.read"]},
            "workflow_permission":{"workflow_id_list":[]}}"#;
        assert_eq!(
            read(go),
            Ok(Some(Scope {
                workspace_points: Some(vec!["Bot.read".into()]),
                workspace_ids: Some(vec![WorkspaceId(5)]),
                ..Scope::default()
            }))
        );
    }

    #[test]
    fn refusals_name_the_member() {
        let path = |json: &str| read(json).map_err(|r| r.path).err();
        assert_eq!(
            path(r#"{"account_permission":{},"extra":1}"#).as_deref(),
            Some("scope.extra")
        );
        assert_eq!(
            path(r#"{"account_permission":null,"account_permission":null}"#).as_deref(),
            Some("scope.account_permission")
        );
        assert_eq!(
            path(r#"{"attribute_constraint":{"connector_bot_chat_attribute":{"bot_id_list":["1","x"]}}}"#).as_deref(),
            Some("scope.attribute_constraint.connector_bot_chat_attribute.bot_id_list[1]")
        );
        assert_eq!(
            path(r#"{"workflow_permission":{"workflow_id_list":["7"]}}"#).as_deref(),
            Some("scope.workflow_permission.workflow_id_list")
        );
        assert_eq!(path("[1]").as_deref(), Some("scope"));
        assert_eq!(path(r#""not json""#).as_deref(), Some("scope"));
    }

    #[test]
    fn narrowing_names_the_wider_entry() {
        let scope = |points: &[&str], bots: &[i64]| Scope {
            account_points: Some(points.iter().map(|s| s.to_string()).collect()),
            bot_ids: Some(bots.iter().copied().map(BotId).collect()),
            ..Scope::default()
        };
        let narrowed = narrow(&parent(), &scope(&["Connector.botChat"], &[2])).expect("narrower");
        assert_eq!(narrowed.bots, Bots::List(vec![BotId(2)]));
        assert!(narrowed.points.contains("Connector.botChat"));
        assert!(!narrowed.points.contains("Bot.read"));
        let wider_point = narrow(&parent(), &scope(&["Bot.read", "Bot.create"], &[2])).err();
        assert_eq!(
            wider_point.map(|r| r.to_string()).as_deref(),
            Some(
                "scope.account_permission.permission_list[1]: Bot.create is not among the app's permission points"
            )
        );
        let wider_bot = narrow(&parent(), &scope(&["Bot.read"], &[2, 4])).err();
        assert_eq!(
            wider_bot.map(|r| r.path).as_deref(),
            Some("scope.attribute_constraint.connector_bot_chat_attribute.bot_id_list[1]")
        );
        let wider_ws = Scope {
            workspace_ids: Some(vec![WorkspaceId(7)]),
            ..Scope::default()
        };
        assert_eq!(
            narrow(&parent(), &wider_ws)
                .err()
                .map(|r| r.path)
                .as_deref(),
            Some("scope.workspace_permission.workspace_id_list[0]")
        );
    }

    fn reach_strategy() -> impl Strategy<Value = Reach> {
        const POINTS: [&str; 4] = ["Bot.read", "Bot.chat", "Connector.botChat", "Bot.list"];
        (
            proptest::sample::subsequence(POINTS.to_vec(), 0..=4),
            proptest::option::of(proptest::collection::vec(1i64..8, 0..5)),
            proptest::option::of(proptest::collection::vec(1i64..8, 0..5)),
        )
            .prop_map(|(points, ws, bots)| Reach {
                subject: Subject::Service,
                points: PermissionSet::from_names(points.into_iter().map(String::from).collect()),
                workspaces: ws.map_or(Workspaces::All, |w| {
                    Workspaces::List(dedup(w.into_iter().map(WorkspaceId).collect()))
                }),
                organization: Some("9".into()),
                bots: bots.map_or(Bots::All, |b| {
                    Bots::List(dedup(b.into_iter().map(BotId).collect()))
                }),
            })
    }

    fn scope_strategy() -> impl Strategy<Value = Scope> {
        const POINTS: [&str; 5] = [
            "Bot.read",
            "Bot.chat",
            "Connector.botChat",
            "Bot.list",
            "Bot.create",
        ];
        let names = || {
            proptest::option::of(proptest::collection::vec(
                proptest::sample::select(POINTS.to_vec()).prop_map(String::from),
                0..4,
            ))
        };
        let ids = || proptest::option::of(proptest::collection::vec(1i64..8, 0..4));
        (names(), names(), ids(), ids()).prop_map(|(a, w, ws, bots)| Scope {
            account_points: a,
            workspace_points: w,
            workspace_ids: ws.map(|v| v.into_iter().map(WorkspaceId).collect()),
            bot_ids: bots.map(|v| v.into_iter().map(BotId).collect()),
        })
    }

    /// The scope that names exactly what `r` reaches (a list-limited reach only).
    fn scope_of(r: &Reach) -> Scope {
        Scope {
            account_points: Some(r.points.names().to_vec()),
            workspace_points: None,
            workspace_ids: match &r.workspaces {
                Workspaces::All => None,
                Workspaces::List(ids) => Some(ids.clone()),
            },
            bot_ids: match &r.bots {
                Bots::All => None,
                Bots::List(ids) => Some(ids.clone()),
            },
        }
    }

    /// What `a` or `b` reaches.
    fn widen(a: &Reach, b: &Reach) -> Reach {
        let mut points = a.points.names().to_vec();
        points.extend(b.points.names().iter().cloned());
        Reach {
            points: PermissionSet::from_names(points),
            workspaces: match (&a.workspaces, &b.workspaces) {
                (Workspaces::List(x), Workspaces::List(y)) => {
                    Workspaces::List(dedup(x.iter().chain(y).copied().collect()))
                }
                _ => Workspaces::All,
            },
            bots: match (&a.bots, &b.bots) {
                (Bots::List(x), Bots::List(y)) => {
                    Bots::List(dedup(x.iter().chain(y).copied().collect()))
                }
                _ => Bots::All,
            },
            ..a.clone()
        }
    }

    proptest! {
        /// A narrowed reach never reaches more than its parent.
        #[test]
        fn never_wider(parent in reach_strategy(), scope in scope_strategy()) {
            if let Ok(narrowed) = narrow(&parent, &scope) {
                prop_assert!(narrowed.is_within(&parent));
            }
        }

        /// Narrowing by the parent itself (or by nothing) gives the parent.
        #[test]
        fn the_parent_itself_is_the_identity(parent in reach_strategy()) {
            let same = narrow(&parent, &scope_of(&parent)).expect("the parent's own scope");
            prop_assert_eq!(&same.points, &parent.points);
            prop_assert_eq!(&same.workspaces, &parent.workspaces);
            prop_assert_eq!(&same.bots, &parent.bots);
            let untouched = narrow(&parent, &Scope::default()).expect("an empty scope");
            prop_assert_eq!(&untouched.points, &parent.points);
            prop_assert_eq!(&untouched.workspaces, &parent.workspaces);
            prop_assert_eq!(&untouched.bots, &parent.bots);
        }

        /// Monotone: a scope that fits a parent fits any wider parent, and gives
        /// no more under the narrower one; narrowing twice stays within once.
        #[test]
        fn monotone(a in reach_strategy(), extra in reach_strategy(), scope in scope_strategy()) {
            let b = widen(&a, &extra);
            prop_assert!(a.is_within(&b));
            if let Ok(under_a) = narrow(&a, &scope) {
                let under_b = narrow(&b, &scope);
                prop_assert!(under_b.is_ok());
                if let Ok(under_b) = under_b {
                    prop_assert!(under_a.is_within(&under_b));
                }
                if let Ok(twice) = narrow(&under_a, &scope) {
                    prop_assert!(twice.is_within(&under_a));
                }
            }
        }

        /// Any bytes: read or refused, never a panic.
        #[test]
        fn any_json_is_read_or_refused(body in proptest::collection::vec(any::<u8>(), 0..200)) {
            if let Ok(node) = serde_json::from_slice::<Option<Node>>(&body) {
                let _ = parse(node.as_ref());
            }
        }
    }
}
